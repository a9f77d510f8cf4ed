#!/usr/bin/env python3
# gen-lua-libraries.py -- writes docs/lua-libraries.md from the sources of
# scripts/lib/kernel/*.lua, so the page says what the code has:
#
#   * each module: the first paragraph of its first comment, the `Mirrors:`
#     line, and an example (EXAMPLES below, run against the fixture dumps by
#     tests/sh/test_lua_docs.sh, so it keeps working);
#   * each public function (`function M.name(args)`, or `M.name = f` of a
#     local function f): its signature and the first sentence of the comment
#     just above it in the source.
#
# Usage: gen-lua-libraries.py [--check] [SOURCE_DIR]
#   without --check: rewrites docs/lua-libraries.md
#   --check: exits 1 (printing what differs) when the page is not what the
#   sources make it -- the test does this.
import difflib
import glob
import os
import re
import sys

# One example per module: a chunk for `kdlua -e` that prints something.
# Keep them short; they run against every fixture dump in the tests.
EXAMPLES = {
    "console": 'local console = require("kernel.console")\n'
               'io.write(console.proc_consoles())',
    "crypto": 'local crypto = require("kernel.crypto")\n'
              'local text = crypto.proc_crypto()\n'
              'print(select(2, text:gsub("\\nname", "")) + 1 .. " crypto algorithms")',
    "maple": 'local maple = require("kernel.maple")\n'
             'for t in kd.tasks() do\n'
             '  if t.pid == 1 and t.mm then\n'
             '    local n = 0\n'
             '    maple.each(t.mm.mm_mt, function() n = n + 1 end)\n'
             '    print("pid 1 has " .. n .. " memory areas") break\n'
             '  end\n'
             'end',
    "xarray": 'local xarray = require("kernel.xarray")\n'
              'print(#xarray.entries(kd.symbol("memory_blocks")) .. " memory blocks")',
    "resource": 'local resource = require("kernel.resource")\n'
                'io.write(resource.show("ioport_resource"))',
    "timer_list": 'local timer_list = require("kernel.timer_list")\n'
                  'io.write((timer_list.proc_timer_list():match("^[^\\n]*\\n[^\\n]*\\n")))',
    "block": 'local block = require("kernel.block")\n'
             'for _, d in ipairs(block.disks()) do print(d.name, d.major, d.minor) end',
    "cgroup": 'local cgroup = require("kernel.cgroup")\n'
              'local t = kd.symbol("init_task")\n'
              'io.write(cgroup.proc_cgroup(t))',
    "cpu": 'local cpu = require("kernel.cpu")\n'
           'print("online CPUs:", table.concat(cpu.online(), ","))',
    "devices": 'local devices = require("kernel.devices")\n'
               'io.write(devices.filesystems())',
    "dm": 'local dm = require("kernel.dm")\n'
          'local devs, why = dm.devices()\n'
          'if not devs then print("no device-mapper: " .. why) else\n'
          '  print(#devs .. " device-mapper devices")\n'
          '  io.write(dm.ls(devs))\n'
          'end',
    "hungtask": 'local hungtask = require("kernel.hungtask")\n'
                'print("hung task timeout (s):", hungtask.timeout())\n'
                'for _, b in ipairs(hungtask.blocked()) do\n'
                '  print(b.pid, b.comm, b.state, b.off_cpu_ns)\n'
                'end',
    "nfs": 'local nfs = require("kernel.nfs")\n'
           'local mounts, why = nfs.mounts()\n'
           'if not mounts then print("no NFS client: " .. why) else\n'
           '  print(#mounts .. " NFS mounts")\n'
           '  for _, m in ipairs(mounts) do print(m.source, m.target, m.vers) end\n'
           'end',
    "oom": 'local oom = require("kernel.oom")\n'
           'for _, m in ipairs(oom.memcgs()) do print(m.path, m.usage, m.max) end',
    "scsi": 'local scsi = require("kernel.scsi")\n'
            'local hosts, why = scsi.hosts()\n'
            'if not hosts then print("no SCSI: " .. why) else\n'
            '  print(#hosts .. " SCSI hosts")\n'
            '  io.write((scsi.lsscsi(hosts, {})))\n'
            'end',
    "bridge": 'local bridge = require("kernel.bridge")\n'
              'local text, note = bridge.bridge_vlan()\n'
              'io.write(text)  -- the header alone where no bridge exists\n'
              'if note then print("note: " .. note) end',
    "dmi": 'local dmi = require("kernel.dmi")\n'
           'print("vendor:", dmi.field("DMI_SYS_VENDOR"), "model:", dmi.field("DMI_PRODUCT_NAME"))',
    "ext4": 'local fs, ext4 = require("kernel.fs"), require("kernel.ext4")\n'
            'local n = 0\n'
            'for _, sb in ipairs(fs.superblocks()) do\n'
            '  if ext4.is_ext(sb) then n = n + 1; print((ext4.dumpe2fs_h(sb))) end\n'
            'end\n'
            'print(n .. " ext2/3/4 superblocks")',
    "dcache_ls": 'local ls = require("kernel.dcache_ls")\n'
                 'local text, note = ls.ls_lanR("/dev", os.time())\n'
                 'io.write(text:sub(1, 400))\n'
                 'if note then print("note: " .. note) end',
    "files": 'local files = require("kernel.files")\n'
             'for t in kd.tasks() do  -- "N -> /path" lines, as ls -l /proc/PID/fd\n'
             '  local links = files.fd_links(t)\n'
             '  if links and links ~= "" then io.write("pid ", t.pid, ":\\n", links) end\n'
             'end',
    "fs": 'local fs = require("kernel.fs")\n'
          'local t = kd.symbol("init_task")\n'
          'print(fs.d_path(t.fs.root))',
    "irq": 'local irq = require("kernel.irq")\n'
           'io.write(irq.softirqs())',
    "kallsyms": 'local kallsyms = require("kernel.kallsyms")\n'
                'local n = 0\n'
                'for line in kallsyms.text():gmatch("[^\\n]+") do n = n + 1 end\n'
                'print(n .. " symbols")',
    "mm": 'local mm = require("kernel.mm")\n'
          'io.write(mm.meminfo())',
    "mount": 'local mount = require("kernel.mount")\n'
             'io.write((mount.proc_mounts(kd.symbol("init_task"))))  -- text [, why partial]',
    "net": 'local net = require("kernel.net")\n'
           'for _, dev in ipairs(net.devices()) do print(dev.ifindex, dev.name) end',
    "net_ip": 'local net_ip = require("kernel.net_ip")\n'
              'io.write(net_ip.ip_o_addr(require("kernel.net").init_net()))',
    "net_link": 'local net, net_link = require("kernel.net"), require("kernel.net_link")\n'
                'for _, dev in ipairs(net.devices()) do\n'
                '  local kind = net.dev_kind(dev)\n'
                '  print(net.devname(dev), kind or "-", kind and net_link.info_data(dev, kind) or "")\n'
                'end',
    "net_proc": 'local net_proc = require("kernel.net_proc")\n'
                'io.write((net_proc.dev(require("kernel.net").init_net())))',
    "net_route": 'local net_route = require("kernel.net_route")\n'
                 'for _, tb in ipairs(net_route.fib4_tables()) do\n'
                 '  print("table", tb.tb_id, #net_route.fib4_routes(tb) .. " routes")\n'
                 'end',
    "net_tools": 'local net_tools = require("kernel.net_tools")\n'
                 'io.write(net_tools.route_n(require("kernel.net").init_net()))',
    "printk": 'local printk = require("kernel.printk")\n'
              'print(printk.panic_message())',
    "procfs": 'local procfs = require("kernel.procfs")\n'
              'for t in kd.tasks() do\n'
              '  if t.pid == 1 then io.write(procfs.status(t)) end\n'
              'end',
    "ps": 'local ps = require("kernel.ps")\n'
          'io.write(ps.aux(ps.snapshot()))',
    "sched": 'local sched = require("kernel.sched")\n'
             'io.write(sched.features())',
    "slab": 'local slab = require("kernel.slab")\n'
            'io.write(slab.slabinfo())',
    "stack": 'local stack = require("kernel.stack")\n'
             'for t in kd.tasks() do\n'
             '  if t.pid == 1 then io.write(stack.proc_stack(t)) end\n'
             'end',
    "sysctl": 'local sysctl = require("kernel.sysctl")\n'
              'io.write((sysctl.file("kernel/pid_max")))  -- text, or nil and why',
    "sysinfo": 'local sysinfo = require("kernel.sysinfo")\n'
               'io.write(sysinfo.text())',
    "task": 'local task = require("kernel.task")\n'
            'for t in kd.tasks() do\n'
            '  print(t.pid, task.state_char(t), task.comm(t), task.rss_pages(t))\n'
            'end',
    "time": 'local time = require("kernel.time")\n'
            'print(time.format_date(time.wall_clock()), time.format_uptime(time.uptime()))',
    "util": 'local util = require("kernel.util")\n'
            'print(util.symbol_value("jiffies"))',
    "vsprintf": 'local vsprintf = require("kernel.vsprintf")\n'
                'print(vsprintf.pk(kd.symbol_address("init_task")))',
}

FUNC = re.compile(r'^function M\.([A-Za-z_][\w]*)\s*\(([^)]*)\)')
ALIAS = re.compile(r'^M\.([A-Za-z_]\w*)\s*=\s*([A-Za-z_][\w.]*(?:\([^)]*\)[\w.]*)?)\s*(?:--.*)?$')
LOCALF = re.compile(r'^local function ([A-Za-z_]\w*)\s*\(([^)]*)\)')
MAXLEN = 150


def comment_above(lines, i):
    """The `--` comment block that ends on the line just above lines[i]."""
    block = []
    j = i - 1
    # a section marker ("-- {====== name ======", "-- }======", as in Lua's
    # own sources) ends the block; a comment line that merely starts with
    # a brace does not
    while j >= 0 and re.match(r'^\s*--', lines[j]) and not re.match(r'^\s*--\s*[{}]=', lines[j]):
        block.insert(0, re.sub(r'^\s*--\s?', '', lines[j]).rstrip())
        j -= 1
    return block


def group_comment(lines, i):
    """The comment above a run of one-line definitions that lines[i] ends
    (`function M.uid(t) return ... end` under `-- ids of the task`)."""
    j = i
    while j > 0 and re.match(r'^(function M\.|M\.\w+\s*=).*\bend\s*$', lines[j - 1]):
        j -= 1
    if j == i:
        return ''
    return one_line(comment_above(lines, j))


def one_line(block):
    """First sentence of a comment block, on one line, at most MAXLEN chars."""
    text = []
    for line in block:
        if line.strip() == '':
            if text:
                break
            continue
        text.append(line.strip())
    s = ' '.join(text)
    m = re.search(r'(?<=[a-z0-9)\]"\'`])\.(\s|$)', s)
    if m:
        s = s[:m.start() + 1]
    if len(s) > MAXLEN:
        s = s[:MAXLEN].rsplit(' ', 1)[0] + ' ...'
    return escape(s)


def escape(s):
    # markdown: a '|' ends a table cell, <pid> would be read as an HTML tag
    return s.replace('|', '\\|').replace('<', '&lt;').replace('>', '&gt;')


def module_doc(lines, name):
    first = []
    for line in lines:
        if not line.startswith('--'):
            break
        first.append(re.sub(r'^--\s?', '', line).rstrip())
    summary, mirrors = [], []
    para = True
    for k, line in enumerate(first):
        if line.strip() == '':
            para = False
        elif para:
            summary.append(line.strip())
        if line.startswith('Mirrors:'):
            mirrors.append(line[len('Mirrors:'):].strip())
            for cont in first[k + 1:]:
                if cont.startswith('  ') and cont.strip():
                    mirrors.append(cont.strip())
                else:
                    break
    s = ' '.join(summary)
    s = re.sub(r'^kernel/' + re.escape(name) + r'\.lua:\s*', '', s)
    return s, ' '.join(mirrors)


def functions(lines):
    local_sig = {}
    for i, line in enumerate(lines):
        m = LOCALF.match(line)
        if m:
            local_sig[m.group(1)] = (m.group(2), i)
    out = []
    seen = set()
    for i, line in enumerate(lines):
        m = FUNC.match(line)
        if m:
            name, args = m.group(1), m.group(2).strip()
            desc = one_line(comment_above(lines, i)) or group_comment(lines, i)
        else:
            m = ALIAS.match(line)
            if not m or m.group(2) not in local_sig:
                continue
            name = m.group(1)
            args, at = local_sig[m.group(2)]
            args = args.strip()
            desc = one_line(comment_above(lines, i)) or one_line(comment_above(lines, at))
        if name in seen:
            continue
        seen.add(name)
        out.append((name, args, desc))
    return out


def generate(src):
    files = sorted(glob.glob(os.path.join(src, 'scripts', 'lib', 'kernel', '*.lua')))
    out = [
        '# The Lua libraries for kernel objects (`scripts/lib/kernel/`)',
        '',
        '<!-- Generated by docs/gen-lua-libraries.py from the sources; do not edit.',
        '     tests/sh/test_lua_docs.sh fails when this page and the sources differ',
        '     (run `python3 docs/gen-lua-libraries.py` to update it) and runs every',
        '     example against the fixture dumps. -->',
        '',
        'Programs, commands and emitters reach the dumped kernel through these modules:',
        '`local task = require("kernel.task")`.  Each covers one subsystem and mirrors',
        'the kernel files named on its `Mirrors:` line.  The description of a function',
        'is the first sentence of the comment above it in the source; a function',
        'without one shows "(no comment in the source)".  Objects are those of the `kd`',
        'API (README, "A short tour of the Lua API"); "a task" is a `struct',
        'task_struct *` as `kd.tasks()` yields it.',
        '',
        '| module | what it covers |',
        '|---|---|',
    ]
    mods = []
    for f in files:
        name = os.path.basename(f)[:-4]
        with open(f, encoding='utf-8') as fh:
            lines = fh.read().split('\n')
        summary, mirrors = module_doc(lines, name)
        mods.append((name, summary, mirrors, functions(lines)))
        out.append(f'| [`kernel.{name}`](#kernel{name.replace("_", "")}) | {one_line([summary])} |')
    undocumented = 0
    for name, summary, mirrors, funcs in mods:
        out += ['', f'## kernel.{name}', '', escape(summary), '']
        if mirrors:
            out += [f'Mirrors: {escape(mirrors)}', '']
        ex = EXAMPLES.get(name)
        if ex:
            out += ['```lua', ex, '```', '']
        else:
            out += ['(no example yet: add one to EXAMPLES in docs/gen-lua-libraries.py)', '']
        for fname, args, desc in funcs:
            if not desc:
                undocumented += 1
                desc = '(no comment in the source)'
            out.append(f'- `{name}.{fname}({args})` -- {desc}')
    out += ['', f'{sum(len(m[3]) for m in mods)} functions in {len(mods)} modules; '
            f'{undocumented} without a comment in the source.', '']
    return '\n'.join(out)


def main():
    args = [a for a in sys.argv[1:] if a != '--check']
    check = '--check' in sys.argv[1:]
    src = os.path.abspath(args[0] if args else os.path.join(os.path.dirname(__file__), '..'))
    page = os.path.join(src, 'docs', 'lua-libraries.md')
    text = generate(src)
    if check:
        try:
            with open(page, encoding='utf-8') as fh:
                old = fh.read()
        except OSError:
            old = ''
        if old != text:
            sys.stdout.writelines(difflib.unified_diff(
                old.splitlines(True), text.splitlines(True), 'docs/lua-libraries.md', 'from the sources', n=0))
            print('\ndocs/lua-libraries.md is out of date: python3 docs/gen-lua-libraries.py')
            return 1
        missing = sorted(set(os.path.basename(f)[:-4] for f in glob.glob(
            os.path.join(src, 'scripts', 'lib', 'kernel', '*.lua'))) - set(EXAMPLES))
        if missing:
            print('modules without an example: ' + ', '.join(missing))
            return 1
        print('docs/lua-libraries.md is current')
        return 0
    with open(page, 'w', encoding='utf-8') as fh:
        fh.write(text)
    return 0


if __name__ == '__main__':
    sys.exit(main())
