/*
** env.c -- on/off environment switches (see env.h).
*/
#include "env.h"

#include <stdlib.h>
#include <string.h>

int kd_env_flag(const char *name) {
  const char *e = getenv(name);
  return e && *e && strcmp(e, "0") != 0;
}
