/*
** dwarf_seed.c -- the source of the DWARF fuzzer's seed debug files
** (tests/fuzz/corpus/dwarf/: see tests/fuzz/CMakeLists.txt for how they
** are made).  A few of each construct the type reader turns into kd
** types, in kernel style: nested and anonymous structs and unions,
** bitfields, flexible and multidimensional arrays, enums with negative
** and 64-bit values, typedef chains, qualifiers, function pointers, a
** declaration completed elsewhere, self-reference.
*/
typedef unsigned long long u64;
typedef unsigned int u32;
typedef u32 pid_alias;
typedef const volatile u64 cv_u64;

struct list_head { struct list_head *next, *prev; };
struct fwd_only;
struct fwd_later;

enum state { S_NEG = -5, S_ZERO = 0, S_BIG = 0x7fffffff };
enum wide { W_LOW = 1, W_HIGH = 0x100000000ULL };

struct flags {
  unsigned int a : 1, b : 3, c : 28;
  int signed_bits : 5;
  _Bool flag;
};

struct task {
  volatile long state;
  pid_alias pid;
  char comm[16];
  struct list_head tasks;
  struct task *parent;
  union {
    struct { u32 lo, hi; };
    u64 both;
  };
  struct { int x, y; } pos[2][3];
  struct flags fl;
  enum state st;
  enum wide w;
  cv_u64 counter;
  int (*callback)(struct task *, const char *, ...);
  void (*table[4])(void);
  struct fwd_only *opaque;
  struct fwd_later *later;
  unsigned long data[];
};

struct fwd_later { int value; struct task *owner; };

union any { struct task *t; struct list_head *l; long raw; float f; double d; };

struct task init_task;
struct task *current_tasks[4];
union any any_value;
struct fwd_later later_value;
const char banner[] = "seed";
int (*handler)(int);

int seed_entry(void);
int seed_entry(void) { return init_task.pid + later_value.value + (int)any_value.raw; }
