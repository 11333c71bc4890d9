/* Shared by the integration tests: reading replies, and a colony of their
 * own with one approved executor on the server scripts/colonies-server
 * started (its address and owner key from the COLONIES_* variables). */
#ifndef COLONIES_TEST_FIXTURE_H
#define COLONIES_TEST_FIXTURE_H

#include <time.h>
#include <cjson/cJSON.h>

#include "check.h"

static inline double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* Parses a reply (and frees it), failing the check when it is not JSON. */
static inline cJSON *parse(char *json)
{
    cJSON *v = json ? cJSON_Parse(json) : NULL;
    CHECK(v != NULL);
    colonies_free(json);
    return v;
}

static inline const char *field(const cJSON *obj, const char *key)
{
    const char *s = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(obj, key));
    return s ? s : "";
}

static inline int int_field(const cJSON *obj, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
    CHECK(cJSON_IsNumber(v));
    return cJSON_IsNumber(v) ? v->valueint : -1000;
}

typedef struct {
    colonies_client *client;
    const char *server_key;
    char *colony_key, *colony_id, *exec_key, *exec_id;
    char colony[64], exec_name[64], exec_type[64];
} fixture;

/* A client and fresh names and keys; no colony yet. */
static inline void fixture_init(fixture *f, const char *prefix)
{
    memset(f, 0, sizeof *f);
    f->server_key = need_env("COLONIES_SERVER_PRVKEY");
    int port = atoi(need_env("COLONIES_SERVER_PORT"));
    CHECK_RC(colonies_client_new(&f->client, need_env("COLONIES_SERVER_HOST"), port, "{\"request_timeout\":30}"),
             COLONIES_OK);
    CHECK_RC(colonies_crypto_prvkey(&f->colony_key), COLONIES_OK);
    CHECK_RC(colonies_crypto_id(&f->colony_id, f->colony_key), COLONIES_OK);
    CHECK_RC(colonies_crypto_prvkey(&f->exec_key), COLONIES_OK);
    CHECK_RC(colonies_crypto_id(&f->exec_id, f->exec_key), COLONIES_OK);
    snprintf(f->colony, sizeof f->colony, "%s-%.12s", prefix, f->colony_id);
    snprintf(f->exec_name, sizeof f->exec_name, "%s-exec-%.12s", prefix, f->exec_id);
    snprintf(f->exec_type, sizeof f->exec_type, "%s-type-%.8s", prefix, f->exec_id);
}

/* Adds the colony and its executor, approved, through the fixture's client. */
static inline void fixture_add_colony(fixture *f)
{
    char *params = NULL;
    CHECK_RC(colonies_json_format(&params, "{\"colony\":{\"colonyid\":%s,\"name\":%s}}", f->colony_id, f->colony),
             COLONIES_OK);
    CHECK_RC(colonies_client_call(f->client, NULL, "add_colony", params, f->server_key, 0, NULL), COLONIES_OK);
    colonies_free(params);
    CHECK_RC(colonies_json_format(&params, "{\"executor\":{\"executorid\":%s,\"executortype\":%s,"
                                           "\"executorname\":%s,\"colonyname\":%s}}",
                                  f->exec_id, f->exec_type, f->exec_name, f->colony),
             COLONIES_OK);
    CHECK_RC(colonies_client_call(f->client, NULL, "add_executor", params, f->colony_key, 0, NULL), COLONIES_OK);
    colonies_free(params);
    CHECK_RC(callf(f->client, NULL, "approve_executor", f->colony_key,
                   "{\"colonyname\":\"%s\",\"executorname\":\"%s\"}", f->colony, f->exec_name),
             COLONIES_OK);
}

/* fixture_init(), then the colony and its executor, approved. */
static inline void fixture_colony(fixture *f, const char *prefix)
{
    fixture_init(f, prefix);
    fixture_add_colony(f);
}

/* Submits funcname(args) for the fixture's executor type; the new process id (caller frees), or NULL. */
static inline char *fixture_submit(fixture *f, const char *funcname, const char *args_json)
{
    char *opts = NULL, *spec = NULL, *out = NULL, *params = NULL;
    CHECK_RC(colonies_json_format(&opts, "{\"funcname\":%s,\"colonyname\":%s,\"executortype\":%s,\"args\":%J}",
                                  funcname, f->colony, f->exec_type, args_json),
             COLONIES_OK);
    CHECK_RC(colonies_func_spec_new(&spec, opts), COLONIES_OK);
    CHECK_RC(colonies_json_format(&params, "{\"spec\":%J}", spec), COLONIES_OK);
    CHECK_RC(colonies_client_call(f->client, &out, "submit_func_spec", params, f->exec_key, 0, NULL), COLONIES_OK);
    colonies_free(opts);
    colonies_free(spec);
    colonies_free(params);
    cJSON *v = parse(out);
    char *id = v ? strdup(field(v, "processid")) : NULL;
    cJSON_Delete(v);
    return id;
}

/* Assigns the next process to the fixture's executor (waiting up to 5 s); its id (caller frees), or NULL. */
static inline char *fixture_assign(fixture *f)
{
    char *out = NULL;
    CHECK_RC(callf(f->client, &out, "assign_process", f->exec_key, "{\"colonyname\":\"%s\",\"timeout\":5}", f->colony),
             COLONIES_OK);
    cJSON *p = parse(out);
    char *id = p ? strdup(field(p, "processid")) : NULL;
    cJSON_Delete(p);
    return id;
}

/* The state of a process, or -1. */
static inline int fixture_state(fixture *f, const char *processid)
{
    char *out = NULL;
    CHECK_RC(callf(f->client, &out, "get_process", f->exec_key, "{\"processid\":\"%s\"}", processid), COLONIES_OK);
    cJSON *v = parse(out);
    int state = v ? int_field(v, "state") : -1;
    cJSON_Delete(v);
    return state;
}

/* Removes what fixture_colony() added (when colony_added) and frees the rest. */
static inline void fixture_free(fixture *f, int colony_added)
{
    if (colony_added) {
        CHECK_RC(callf(f->client, NULL, "remove_executor", f->colony_key,
                       "{\"colonyname\":\"%s\",\"executorname\":\"%s\"}", f->colony, f->exec_name),
                 COLONIES_OK);
        CHECK_RC(callf(f->client, NULL, "remove_colony", f->server_key, "{\"colonyname\":\"%s\"}", f->colony),
                 COLONIES_OK);
    }
    colonies_client_free(f->client);
    colonies_free(f->colony_key);
    colonies_free(f->colony_id);
    colonies_free(f->exec_key);
    colonies_free(f->exec_id);
}

#endif
