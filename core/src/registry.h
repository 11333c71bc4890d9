/*
 * Private: the registry's tables, as scripts/generate writes them from
 * core/registry.json into registry_tables.c, and the one validator that
 * checks values against them.
 */
#ifndef COLONIES_REGISTRY_INTERNAL_H
#define COLONIES_REGISTRY_INTERNAL_H

#include <stddef.h>

#include <cjson/cJSON.h>

#include "colonies/common.h"

/* Kinds of value, as the registry's type grammar names them. */
enum cl_kind {
    CL_K_STRING,
    CL_K_INT,    /* a whole number that fits the server's int (64 bits) */
    CL_K_INT64,
    CL_K_FLOAT,
    CL_K_BOOL,
    CL_K_TIME,   /* an RFC 3339 string */
    CL_K_BYTES,  /* base64 text, or an array of byte values */
    CL_K_ANY,
    CL_K_LIST,   /* list<elem> */
    CL_K_MAP,    /* map<elem>: an object whose members are elem */
    CL_K_OBJECT, /* one of the registry's types */
};

typedef struct cl_type cl_type;

typedef struct cl_texpr {
    unsigned char kind;
    const struct cl_texpr *elem; /* CL_K_LIST, CL_K_MAP */
    const cl_type *type;         /* CL_K_OBJECT */
} cl_texpr;

/* Field flags. */
#define CL_F_REQUIRED 1u /* must be given, not null; a string must not be empty */
#define CL_F_RANGE 2u    /* min and max apply (numbers) */
#define CL_F_OPTIONAL 4u /* a type's field the server may leave out or send as null */
#define CL_F_NONZERO 8u  /* a number that may not be 0 */

/* A parameter, an option or a type's field. */
typedef struct cl_field {
    const char *name;
    const cl_texpr *type;
    unsigned flags;
    const char *dflt; /* JSON text of the default, or NULL for the type's zero value */
    double min, max;
    const char *const *choices; /* allowed strings, NULL-terminated; or NULL */
    const char *in;   /* func spec options: the object the option goes into, or NULL */
    const char *env;  /* client options: the environment variable read when not given, or NULL */
} cl_field;

struct cl_type {
    const char *name;
    const cl_field *fields;
    size_t n_fields;
};

/* A remapped server reply: an HTTP status (and a text its message contains). */
typedef struct {
    int http;
    const char *contains; /* NULL: any message */
    int empty;            /* 1: a reply with no body at all */
    colonies_status status;
} cl_remap;

/* Operation flags. */
#define CL_OP_SIGNED 1u
#define CL_OP_IDEMPOTENT 2u
#define CL_OP_WEBSOCKET 4u /* a subscription, not a POST */
#define CL_OP_LOCAL 8u     /* run by the client itself (fs.c), not one message */

/* The names of the fields the registry marks secret (an S3 reference's keys),
 * NULL-terminated: a trace shows their values redacted. */
extern const char *const cl_secret_names[];

typedef struct {
    const char *name;
    const char *msgtype;
    unsigned flags;
    const cl_field *params;
    size_t n_params;
    const cl_texpr *reply; /* NULL: the reply carries nothing */
    const char *holds;     /* the parameter (seconds) the server holds the request for, or NULL */
    const cl_remap *remaps;
    size_t n_remaps;
    const char *const *exclusive; /* pairs of parameters that may not both be set, NULL-terminated */
    /* A subscription made again after a lost connection: resume_param is set to the
     * last resume_field its events carried, so none comes twice; or NULL. */
    const char *resume_param, *resume_field;
} cl_op;

typedef struct {
    const char *var;
    const char *key;
    const cl_texpr *type;
} cl_env_var;

typedef struct {
    colonies_status status;
    const char *text;
} cl_status_text;

extern const cl_type cl_types[];
extern const cl_op cl_ops[]; /* sorted by name */
extern const size_t cl_n_ops;
extern const cl_field cl_client_options[];
extern const size_t cl_n_client_options;
extern const cl_field cl_funcspec_options[];
extern const size_t cl_n_funcspec_options;
extern const cl_field cl_executor_options[];
extern const size_t cl_n_executor_options;
extern const cl_env_var cl_env_vars[]; /* in order of precedence */
extern const size_t cl_n_env_vars;
extern const cl_status_text cl_status_texts[];
extern const size_t cl_n_status_texts;
extern const char cl_registry_json[];

/* The operation named name, or NULL. */
const cl_op *cl_op_find(const char *name);

/* validate.c */

/* How strictly validate_object treats members the table does not list. */
enum cl_unknown { CL_UNKNOWN_REFUSE, CL_UNKNOWN_ALLOW };

/*
 * Checks the members of obj against fields: each listed member's type and
 * range, the required ones present; a member not listed is refused or
 * allowed as unknown says. what names the object in errors ("parameter",
 * "option", ...). Returns COLONIES_OK or COLONIES_EINVAL naming the member.
 */
int cl_validate_object(const cJSON *obj, const cl_field *fields, size_t n, enum cl_unknown unknown,
                       const char *what);

/* Checks one value against a field (type, range, choices); path names it in errors. */
int cl_validate_value(const cJSON *v, const cl_field *f, const char *path);

/* The field named name in fields, or NULL. */
const cl_field *cl_field_find(const cl_field *fields, size_t n, const char *name);

/*
 * The JSON text of a field's value when it is not given: its default, or
 * its type's zero value ("" , 0, false, [], {}, null).
 */
const char *cl_field_default(const cl_field *f);

#endif
