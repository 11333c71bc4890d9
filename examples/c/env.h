/* Shared by the C examples: the COLONIES_* environment, read by the library. */
#ifndef EXAMPLES_ENV_H
#define EXAMPLES_ENV_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <colonies/colonies.h>

/* Prints the failed call, the status text and the library's detail. */
static inline int report(const char *what, int rc)
{
    fprintf(stderr, "%s failed: %s: %s\n", what, colonies_strerror((colonies_status)rc), colonies_last_error());
    return 1;
}

/*
 * The COLONIES_* variables (colonies_env()), as a cJSON object the caller
 * deletes; NULL with the reason printed when they cannot be read.
 */
static inline cJSON *read_env(void)
{
    char *text = NULL;
    int rc = colonies_env(&text);
    if (rc) {
        report("reading the environment", rc);
        return NULL;
    }
    cJSON *env = cJSON_Parse(text);
    colonies_free(text);
    return env;
}

/* A string from the environment object, or NULL with why printed. */
static inline const char *need(const cJSON *env, const char *key, const char *variable)
{
    const char *v = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(env, key));
    if (v == NULL) fprintf(stderr, "%s is not set; see scripts/colonies-server env\n", variable);
    return v;
}

static inline const char *env_or(const char *name, const char *fallback)
{
    const char *v = getenv(name);
    return v && v[0] ? v : fallback;
}

#endif
