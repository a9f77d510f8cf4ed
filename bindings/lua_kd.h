/*
** lua_kd.h -- the Lua boundary: the `kd` table, kernel objects and types
** as userdata, and the single place where C errors become Lua errors.
*/
#ifndef KL_LUA_KD_H
#define KL_LUA_KD_H

#include <lua.h>

#include "core/object.h"
#include "core/program.h"

#define KL_OBJECT "kd.object"
#define KL_TYPE "kd.type"
#define KL_ERROR "kd.error"

/* Open the `kd` library for `prog` (which must outlive L) into global kd. */
void kl_open(lua_State *L, struct kd_program *prog);
struct kd_program *kl_program(lua_State *L);

/* The boundary: push a Lua error object for `err` (code, message,
** address), free `err`, and raise.  Never returns.  Call it only after all
** C resources of the caller are released. */
int kl_raise(lua_State *L, struct kd_error *err);
/* Push the error object without raising (frees err). */
void kl_push_error(lua_State *L, struct kd_error *err);

void kl_push_object(lua_State *L, const struct kd_object *o);
struct kd_object *kl_check_object(lua_State *L, int idx);
struct kd_object *kl_test_object(lua_State *L, int idx);
/* Convert an object to the Lua value scripts see: integers, booleans,
** numbers for scalars, nil for NULL pointers, objects otherwise. */
void kl_push_value(lua_State *L, const struct kd_object *o);
void kl_push_type(lua_State *L, struct kd_type *t);
struct kd_type *kl_check_type(lua_State *L, int idx);  /* type or name */
uint64_t kl_check_address(lua_State *L, int idx);       /* int or object */

int kl_type_has_member(lua_State *L);   /* (type_or_name, path) -> bool */

void kl_open_object(lua_State *L);
void kl_open_type(lua_State *L);
void kl_open_error(lua_State *L);
/* Add kd.stack_trace and its companions to the table on top of the stack. */
void kl_open_unwind(lua_State *L);
/* Add kd.format (string.format's integer and string conversions, fast). */
void kl_open_format(lua_State *L);

#endif
