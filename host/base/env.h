/*
** env.h -- how kdlua reads its on/off environment switches
** (KDLUA_NO_CACHE and its kind): one rule for every room that reads one,
** so that a switch means the same to the debug cache, the chunk cache and
** the dump's probe note.
*/
#ifndef KD_ENV_H
#define KD_ENV_H

/* Is the environment variable `name` set to something other than "" or
** "0"? */
int kd_env_flag(const char *name);

#endif
