# bench/bt_drgn.py: drgn's stack_trace() of every task with each frame's
# function name; prints the in-process time of a first and a second pass
# (drgn caches, as kdlua does), CPU time as kdlua measures it.
import time
from drgn.helpers.linux.pid import for_each_task
tasks = list(for_each_task(prog))
def one_pass():
    names = 0
    for t in tasks:
        try:
            for f in prog.stack_trace(t):
                if f.name:
                    names += 1
        except Exception:
            pass
    return names
t0 = time.process_time(); n1 = one_pass(); t1 = time.process_time(); n2 = one_pass(); t2 = time.process_time()
print("drgn tasks %d frames_named %d first_pass_us_per_task %.1f second_pass_us_per_task %.1f"
      % (len(tasks), n1, (t1 - t0) * 1e6 / len(tasks), (t2 - t1) * 1e6 / len(tasks)))
