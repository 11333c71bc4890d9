/*
 * The executor runtime: what every executor does around its functions, done
 * once. It registers itself when given the colony owner's key, adds its
 * functions, assigns processes in a loop and hands each out with the
 * arguments its function gets, and closes or fails it with what the function
 * gave, making sure the outcome lands exactly once:
 *
 * - The server going away is not an error: the runtime waits and tries again
 *   (backing off up to backoff_max), and says so once in a notice.
 * - An assign cut off while the server held it (in doubt) may have assigned
 *   a process that never arrived: the runtime then looks for running
 *   processes assigned to it that it has not handed out, and hands them out.
 *   So does an executor that starts again with the same key.
 * - A close or fail whose outcome is unknown is followed by a read of the
 *   process, and sent again only if the process is still running here.
 *
 * Each step is a task (a call on a thread of its own), so it is waited for,
 * polled and cancelled like any call.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>


#include "client_internal.h"
#include "colonies/crypto.h"
#include "colonies/enums.h"
#include "colonies/executor.h"
#include "colonies/json.h"

struct colonies_executor {
    colonies_client *client;
    char *colonyname, *executorname, *executortype, *executorid;
    char *prvkey, *colony_prvkey; /* wiped when freed */
    char **functions;
    size_t n_functions;
    int assign_timeout_s;
    long backoff_max_ms;
    pthread_mutex_t mu; /* guards what follows */
    int ready;          /* registered (or known to be) and functions added */
    int registered;     /* registered by this runtime: removed by colonies_executor_stop */
    int reconcile;      /* look for processes assigned here before the next assign */
    int down;           /* the server did not answer, last time */
    long long down_since_ms;
    long backoff_ms;
    char *fs_dir;       /* where a process's fs section goes; NULL: left alone */
    char **handed;      /* processes handed out and not yet closed or failed */
    size_t n_handed, cap_handed;
};

/* Statuses after which the same request may succeed later: the server is away or restarting. */
static int transient(int rc, int http_status)
{
    return rc == COLONIES_ETRANSPORT || rc == COLONIES_ETIMEOUT || rc == COLONIES_EINDOUBT ||
           rc == COLONIES_EREPLY || (rc == COLONIES_ESERVER && http_status >= 502 && http_status <= 504);
}

static char *dup_or_null(const cJSON *v)
{
    return cJSON_IsString(v) && v->valuestring[0] ? cl_strdup(v->valuestring) : NULL;
}

void colonies_executor_free(colonies_executor *ex)
{
    if (ex == NULL) return;
    free(ex->colonyname);
    free(ex->executorname);
    free(ex->executortype);
    free(ex->executorid);
    colonies_free(ex->prvkey); /* wipes them */
    colonies_free(ex->colony_prvkey);
    free(ex->fs_dir);
    for (size_t i = 0; i < ex->n_functions; i++) free(ex->functions[i]);
    free(ex->functions);
    for (size_t i = 0; i < ex->n_handed; i++) free(ex->handed[i]);
    free(ex->handed);
    cl_mutex_retire(&ex->mu);
    free(ex);
}

colonies_status colonies_executor_new(colonies_executor **out, colonies_client *client, const char *options_json)
{
    cl_clear_error();
    CL_CHECK_OUT(out);
    if (client == NULL) return cl_fail(COLONIES_EINVAL, "client is NULL");
    cJSON *opts = NULL;
    int rc = cl_json_parse(&opts, options_json ? options_json : "{}", cJSON_Object, "executor options");
    if (rc == 0)
        rc = cl_validate_object(opts, cl_executor_options, cl_n_executor_options, CL_UNKNOWN_REFUSE,
                                "executor option");
    colonies_executor *ex = rc ? NULL : calloc(1, sizeof *ex);
    if (rc == 0 && ex == NULL) rc = cl_fail(COLONIES_ENOMEM, "out of memory");
    if (rc) {
        cJSON_Delete(opts);
        return rc;
    }
    pthread_mutex_init(&ex->mu, NULL);
    ex->client = client;
    ex->colonyname = dup_or_null(cJSON_GetObjectItemCaseSensitive(opts, "colonyname"));
    ex->executortype = dup_or_null(cJSON_GetObjectItemCaseSensitive(opts, "executortype"));
    ex->executorname = dup_or_null(cJSON_GetObjectItemCaseSensitive(opts, "executorname"));
    ex->prvkey = dup_or_null(cJSON_GetObjectItemCaseSensitive(opts, "prvkey"));
    ex->colony_prvkey = dup_or_null(cJSON_GetObjectItemCaseSensitive(opts, "colony_prvkey"));
    ex->fs_dir = dup_or_null(cJSON_GetObjectItemCaseSensitive(opts, "fs_dir"));
    const cl_field *fsd = cl_field_find(cl_executor_options, cl_n_executor_options, "fs_dir");
    const char *fs_env = fsd && fsd->env ? getenv(fsd->env) : NULL;
    if (ex->fs_dir == NULL && fs_env && fs_env[0]) ex->fs_dir = cl_strdup(fs_env);
    const cl_field *f = cl_field_find(cl_executor_options, cl_n_executor_options, "assign_timeout");
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(opts, "assign_timeout");
    ex->assign_timeout_s = cJSON_IsNumber(v) ? v->valueint : atoi(cl_field_default(f));
    f = cl_field_find(cl_executor_options, cl_n_executor_options, "backoff_max");
    v = cJSON_GetObjectItemCaseSensitive(opts, "backoff_max");
    ex->backoff_max_ms = (long)(1000 * (cJSON_IsNumber(v) ? v->valuedouble : atof(cl_field_default(f))));
    const cJSON *fns = cJSON_GetObjectItemCaseSensitive(opts, "functions");
    int n = cJSON_GetArraySize(fns);
    ex->functions = n ? calloc((size_t)n, sizeof *ex->functions) : NULL;
    const cJSON *fn;
    cJSON_ArrayForEach(fn, fns)
    {
        if (ex->functions && (ex->functions[ex->n_functions] = cl_strdup(fn->valuestring)) != NULL)
            ex->n_functions++;
    }
    cJSON_Delete(opts);
    if (ex->n_functions != (size_t)n) rc = cl_fail(COLONIES_ENOMEM, "out of memory");
    /* Its key: given, or new (then only the colony owner can register it). */
    if (rc == 0 && ex->prvkey == NULL) {
        if (ex->colony_prvkey == NULL)
            rc = cl_fail(COLONIES_EINVAL, "executor options: prvkey (the executor's key) is required, unless "
                                          "colony_prvkey is given to register a new executor");
        else
            rc = colonies_crypto_prvkey(&ex->prvkey);
    }
    if (rc == 0) rc = colonies_crypto_id(&ex->executorid, ex->prvkey);
    if (rc == 0 && ex->executorname == NULL) {
        size_t len = strlen(ex->executortype) + 16;
        ex->executorname = malloc(len);
        if (ex->executorname == NULL)
            rc = cl_fail(COLONIES_ENOMEM, "out of memory");
        else
            snprintf(ex->executorname, len, "%s-%.8s", ex->executortype, ex->executorid);
    }
    if (rc) {
        colonies_executor_free(ex);
        return rc;
    }
    *out = ex;
    return COLONIES_OK;
}

colonies_status colonies_executor_info(colonies_executor *ex, char **out_json)
{
    cl_clear_error();
    CL_CHECK_OUT(out_json);
    if (ex == NULL) return cl_fail(COLONIES_EINVAL, "executor is NULL");
    pthread_mutex_lock(&ex->mu);
    int registered = ex->registered, down = ex->down;
    pthread_mutex_unlock(&ex->mu);
    return colonies_json_format(out_json,
                                "{\"colonyname\":%s,\"executorname\":%s,\"executortype\":%s,\"executorid\":%s,"
                                "\"prvkey\":%s,\"registered\":%b,\"server_down\":%b}",
                                ex->colonyname, ex->executorname, ex->executortype, ex->executorid, ex->prvkey,
                                registered, down);
}

/* A call of the registry with parameters made by colonies_json_format. */
static int callf(colonies_executor *ex, char **out, colonies_cancel *cancel, const char *operation,
                 const char *key, const char *fmt, ...)
{
    char *params = NULL;
    va_list ap;
    va_start(ap, fmt);
    int rc = cl_json_vformat(&params, fmt, ap);
    va_end(ap);
    if (rc == 0) rc = colonies_client_call(ex->client, out, operation, params, key, 0, cancel);
    colonies_free(params);
    return rc;
}

/* Registration: the executor, approved, with its functions. */

static int register_executor(colonies_executor *ex, colonies_cancel *cancel)
{
    char *out = NULL;
    int rc = callf(ex, NULL, cancel, "add_executor", ex->colony_prvkey,
                   "{\"executor\":{\"executorid\":%s,\"executortype\":%s,\"executorname\":%s,\"colonyname\":%s}}",
                   ex->executorid, ex->executortype, ex->executorname, ex->colonyname);
    if (rc == COLONIES_ESERVER || rc == COLONIES_EFORBIDDEN || rc == COLONIES_EINDOUBT) {
        /* Added before (by an earlier run, or by this very request)? Then it reads itself with its own key. */
        char first[512];
        snprintf(first, sizeof first, "%s", colonies_last_error());
        int first_rc = rc;
        rc = callf(ex, &out, cancel, "get_executor", ex->prvkey, "{\"colonyname\":%s,\"executorname\":%s}",
                   ex->colonyname, ex->executorname);
        if (rc == 0) {
            cJSON *e = cl_json_read(out);
            const char *id = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(e, "executorid"));
            if (id == NULL || strcmp(id, ex->executorid) != 0)
                rc = cl_fail(COLONIES_ESERVER, "executor name \"%s\" is taken in colony %s by another executor",
                             ex->executorname, ex->colonyname);
            cJSON_Delete(e);
        } else if (!transient(rc, colonies_last_http_status())) {
            rc = cl_fail(first_rc, "registering executor %s: %s", ex->executorname, first);
        }
        colonies_free(out);
        if (rc) return rc;
    } else if (rc) {
        return rc;
    }
    pthread_mutex_lock(&ex->mu);
    ex->registered = 1;
    pthread_mutex_unlock(&ex->mu);
    /* Approving twice is harmless. */
    return callf(ex, NULL, cancel, "approve_executor", ex->colony_prvkey, "{\"colonyname\":%s,\"executorname\":%s}",
                 ex->colonyname, ex->executorname);
}

static int add_functions(colonies_executor *ex, colonies_cancel *cancel)
{
    if (ex->n_functions == 0) return COLONIES_OK;
    char *out = NULL;
    int rc = callf(ex, &out, cancel, "get_functions", ex->prvkey, "{\"colonyname\":%s,\"executorname\":%s}",
                   ex->colonyname, ex->executorname);
    if (rc) return rc;
    cJSON *have = cl_json_read(out);
    colonies_free(out);
    for (size_t i = 0; rc == 0 && i < ex->n_functions; i++) {
        int present = 0;
        const cJSON *f;
        cJSON_ArrayForEach(f, have)
        {
            const char *name = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(f, "funcname"));
            if (name && strcmp(name, ex->functions[i]) == 0) present = 1;
        }
        if (!present)
            rc = callf(ex, NULL, cancel, "add_function", ex->prvkey,
                       "{\"fun\":{\"executorname\":%s,\"colonyname\":%s,\"funcname\":%s}}", ex->executorname,
                       ex->colonyname, ex->functions[i]);
    }
    cJSON_Delete(have);
    return rc;
}

static int setup(colonies_executor *ex, colonies_cancel *cancel)
{
    int rc = ex->colony_prvkey ? register_executor(ex, cancel) : COLONIES_OK;
    if (rc == 0) rc = add_functions(ex, cancel);
    if (rc == 0) {
        pthread_mutex_lock(&ex->mu);
        ex->ready = 1;
        ex->reconcile = 1; /* an earlier run with this key may have left processes running here */
        pthread_mutex_unlock(&ex->mu);
    }
    return rc;
}

/* Processes handed out. */

static int handed_index(colonies_executor *ex, const char *id)
{
    for (size_t i = 0; i < ex->n_handed; i++)
        if (strcmp(ex->handed[i], id) == 0) return (int)i;
    return -1;
}

/* Records id as handed out; 0 when it was already. */
static int hand_out(colonies_executor *ex, const char *id)
{
    pthread_mutex_lock(&ex->mu);
    int fresh = handed_index(ex, id) < 0;
    if (fresh && ex->n_handed == ex->cap_handed) {
        size_t cap = ex->cap_handed ? 2 * ex->cap_handed : 8;
        char **grown = realloc(ex->handed, cap * sizeof *grown);
        if (grown) {
            ex->handed = grown;
            ex->cap_handed = cap;
        }
    }
    if (fresh && ex->n_handed < ex->cap_handed) {
        char *copy = cl_strdup(id);
        if (copy) ex->handed[ex->n_handed++] = copy;
    }
    pthread_mutex_unlock(&ex->mu);
    return fresh;
}

static void forget(colonies_executor *ex, const char *id)
{
    pthread_mutex_lock(&ex->mu);
    int i = handed_index(ex, id);
    if (i >= 0) {
        free(ex->handed[i]);
        ex->handed[i] = ex->handed[--ex->n_handed];
    }
    pthread_mutex_unlock(&ex->mu);
}

/*
 * A job for the caller: {"process", "funcname", "args", "kwargs",
 * "maxexectime", "code", "ctx"}. args are the parents' outputs for a node of
 * a workflow that has them, else the spec's args; code is the source shipped
 * in the spec (decoded), or null.
 */
static int make_job(colonies_executor *ex, char **out, const char *process_json, const char *notice)
{
    cJSON *p = cl_json_read(process_json);
    const cJSON *spec = cJSON_GetObjectItemCaseSensitive(p, "spec");
    const cJSON *in = cJSON_GetObjectItemCaseSensitive(p, "in");
    const cJSON *args = cJSON_GetArraySize(in) > 0 ? in : cJSON_GetObjectItemCaseSensitive(spec, "args");
    const cJSON *kwargs = cJSON_GetObjectItemCaseSensitive(spec, "kwargs");
    const cJSON *maxexec = cJSON_GetObjectItemCaseSensitive(spec, "maxexectime");
    const char *funcname = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(spec, "funcname"));
    const char *code64 =
        cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(spec, "env"), "code"));
    /* The process goes in as the server wrote it: printed again, its large integers would lose digits. */
    const char *process = process_json;
    char *code = NULL, *args_json = NULL, *kwargs_json = NULL;
    size_t code_len = 0;
    int rc = p && spec && funcname ? COLONIES_OK : cl_fail(COLONIES_EREPLY, "assign: the process has no spec");
    if (rc == 0 && code64 && code64[0]) {
        rc = cl_base64_decode(&code, &code_len, code64);
        if (rc == 0 && memchr(code, '\0', code_len)) rc = cl_fail(COLONIES_EREPLY, "the shipped code holds a NUL");
    }
    if (rc == 0) {
        args_json = cJSON_IsArray(args) ? cJSON_PrintUnformatted(args) : cl_strdup("[]");
        kwargs_json = cJSON_IsObject(kwargs) ? cJSON_PrintUnformatted(kwargs) : cl_strdup("{}");
        if (args_json == NULL || kwargs_json == NULL) rc = cl_fail(COLONIES_ENOMEM, "out of memory");
    }
    if (rc == 0)
        rc = colonies_json_format(out,
                                  "{\"process\":%J,\"funcname\":%s,\"args\":%J,\"kwargs\":%J,\"maxexectime\":%d,"
                                  "\"code\":%s,\"notice\":%s,\"ctx\":{\"process\":%J,\"colonyname\":%s,"
                                  "\"colonyid\":%s,\"executorname\":%s,\"executor_prvkey\":%s,\"fs_dir\":%s}}",
                                  process, funcname, args_json, kwargs_json,
                                  cJSON_IsNumber(maxexec) ? maxexec->valueint : -1, code, notice, process,
                                  ex->colonyname, ex->colonyname, ex->executorname, ex->prvkey, ex->fs_dir);
    free(code);
    free(args_json);
    free(kwargs_json);
    cJSON_Delete(p);
    return rc;
}

/* A running process assigned here and not handed out, as a job; *out stays NULL when none. */
static int find_orphan(colonies_executor *ex, char **out, colonies_cancel *cancel, const char *notice)
{
    char *list = NULL;
    int rc = callf(ex, &list, cancel, "get_processes", ex->prvkey, "{\"colonyname\":%s,\"count\":100,\"state\":%d}",
                   ex->colonyname, COLONIES_PROCESS_RUNNING);
    if (rc) return rc;
    cJSON *ps = cl_json_read(list);
    colonies_free(list);
    const cJSON *p;
    cJSON_ArrayForEach(p, ps)
    {
        const char *id = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(p, "processid"));
        const char *by = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(p, "assignedexecutorid"));
        if (id == NULL || by == NULL || strcmp(by, ex->executorid) != 0 || !hand_out(ex, id)) continue;
        /* Read on its own, for its text as the server writes it. */
        char *text = NULL;
        rc = callf(ex, &text, cancel, "get_process", ex->prvkey, "{\"processid\":%s}", id);
        if (rc == 0) rc = make_job(ex, out, text, notice);
        colonies_free(text);
        if (rc) forget(ex, id);
        break;
    }
    cJSON_Delete(ps);
    if (rc == 0 && *out == NULL) {
        pthread_mutex_lock(&ex->mu);
        ex->reconcile = 0;
        pthread_mutex_unlock(&ex->mu);
    }
    return rc;
}

/* The server's answer again: a notice when it had been away. */
static void server_up(colonies_executor *ex, char *notice, size_t cap)
{
    pthread_mutex_lock(&ex->mu);
    if (ex->down)
        snprintf(notice, cap, "the server answers again, after %.1f s", (cl_now_ms() - ex->down_since_ms) / 1000.0);
    ex->down = 0;
    ex->backoff_ms = 0;
    pthread_mutex_unlock(&ex->mu);
}

/* No answer: 1 (with a notice) the first time, 0 after a pause (backing off) on later ones; -1 when cancelled. */
static int server_down(colonies_executor *ex, colonies_cancel *cancel, char *notice, size_t cap)
{
    pthread_mutex_lock(&ex->mu);
    int first = !ex->down;
    if (first) {
        ex->down = 1;
        ex->down_since_ms = cl_now_ms();
        ex->backoff_ms = 250;
        snprintf(notice, cap, "the server does not answer (%s): trying again, every %.1f s at most",
                 colonies_last_error(), ex->backoff_max_ms / 1000.0);
    }
    long pause = ex->backoff_ms;
    ex->backoff_ms = ex->backoff_ms * 2 > ex->backoff_max_ms ? ex->backoff_max_ms : ex->backoff_ms * 2;
    pthread_mutex_unlock(&ex->mu);
    if (first) return 1;
    return cl_cancel_sleep(cancel, pause) ? -1 : 0;
}

/* The fs section of a process (parsed), when it asks for files; else NULL. */
static const cJSON *fs_section(const cJSON *process)
{
    const cJSON *fs = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(process, "spec"), "fs");
    int n = cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(fs, "dirs")) +
            cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(fs, "snapshots"));
    return n > 0 ? fs : NULL;
}

/*
 * Before a process's function runs: its fs section's files, under fs_dir.
 * 0 when they are in place (or none are asked for); 1 when they could not
 * be, and the process was failed for it (notice says so).
 */
static int files_before(colonies_executor *ex, const cJSON *process, const char *id, colonies_cancel *cancel,
                        char *notice, size_t cap)
{
    const cJSON *fs = fs_section(process);
    if (fs == NULL) return COLONIES_OK;
    if (ex->fs_dir == NULL) {
        snprintf(notice, cap, "process %s has an fs section, but this executor has no fs_dir (EXECUTOR_FS_DIR): "
                              "its files are left alone", id);
        return COLONIES_OK;
    }
    int rc = cl_fs_before(ex->client, ex->prvkey, ex->colonyname, ex->fs_dir, fs, id, cancel);
    if (rc == 0) return COLONIES_OK;
    if (rc == COLONIES_ECANCELLED) return rc;
    char why[900], *errors = NULL;
    snprintf(why, sizeof why, "the files of its fs section could not be put in place: %s", colonies_last_error());
    snprintf(notice, cap, "process %s failed: %s", id, why);
    if (colonies_json_format(&errors, "[%s]", why) == 0)
        callf(ex, NULL, cancel, "close_failed", ex->prvkey, "{\"processid\":%s,\"errors\":%J}", id, errors);
    colonies_free(errors);
    forget(ex, id);
    cl_clear_error();
    return 1;
}

static int next_task(void *arg, colonies_cancel *cancel, char **reply)
{
    colonies_executor *ex = arg;
    char notice[1024] = "";
    for (;;) {
        if (colonies_cancel_fired(cancel)) return cl_fail(COLONIES_ECANCELLED, "executor: stopped");
        pthread_mutex_lock(&ex->mu);
        int ready = ex->ready, reconcile = ex->reconcile;
        pthread_mutex_unlock(&ex->mu);
        char *out = NULL;
        int rc = ready ? COLONIES_OK : setup(ex, cancel);
        if (rc == 0 && reconcile) {
            rc = find_orphan(ex, reply, cancel, notice[0] ? notice : NULL);
            if (rc == 0 && *reply) return COLONIES_OK;
        }
        if (rc == 0) {
            rc = callf(ex, &out, cancel, "assign_process", ex->prvkey, "{\"colonyname\":%s,\"timeout\":%d}",
                       ex->colonyname, ex->assign_timeout_s);
        }
        int http = colonies_last_http_status();
        if (rc == COLONIES_OK || rc == COLONIES_EEXPIRED) server_up(ex, notice, sizeof notice);
        if (rc == COLONIES_OK) {
            cJSON *p = cl_json_read(out);
            const char *id = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(p, "processid"));
            if (id) hand_out(ex, id);
            rc = id ? files_before(ex, p, id, cancel, notice, sizeof notice) : COLONIES_OK;
            if (rc == 0) rc = make_job(ex, reply, out, notice[0] ? notice : NULL);
            cJSON_Delete(p);
            colonies_free(out);
            if (rc == 1) continue; /* the process failed before its function could run */
            return rc;
        }
        if (rc == COLONIES_EEXPIRED) {
            if (notice[0]) return colonies_json_format(reply, "{\"notice\":%s}", notice);
            continue;
        }
        /* Cut off while the server held it: a process may be ours now. */
        if (rc == COLONIES_EINDOUBT) {
            pthread_mutex_lock(&ex->mu);
            ex->reconcile = 1;
            pthread_mutex_unlock(&ex->mu);
        }
        if (colonies_cancel_fired(cancel)) return cl_fail(COLONIES_ECANCELLED, "executor: stopped");
        if (rc == COLONIES_EFORBIDDEN && ex->colony_prvkey && ready) {
            /* Not (or no longer) a member: a server that lost its state. Register again, once. */
            pthread_mutex_lock(&ex->mu);
            ex->ready = 0;
            pthread_mutex_unlock(&ex->mu);
            if (setup(ex, cancel) == COLONIES_OK) continue;
            return cl_fail(COLONIES_EFORBIDDEN, "executor %s: the server refuses it, and registering it again "
                                                "failed: %s", ex->executorname, colonies_last_error());
        }
        if (!transient(rc, http)) return rc;
        int down = server_down(ex, cancel, notice, sizeof notice);
        if (down < 0) return cl_fail(COLONIES_ECANCELLED, "executor: stopped");
        if (down > 0) return colonies_json_format(reply, "{\"notice\":%s}", notice);
    }
}

static int register_task(void *arg, colonies_cancel *cancel, char **reply)
{
    colonies_executor *ex = arg;
    pthread_mutex_lock(&ex->mu);
    int ready = ex->ready;
    pthread_mutex_unlock(&ex->mu);
    int rc = ready ? COLONIES_OK : setup(ex, cancel);
    return rc ? rc : colonies_json_format(reply, "null");
}

colonies_status colonies_executor_register_start(colonies_executor *ex, colonies_call **out)
{
    cl_clear_error();
    CL_CHECK_OUT(out);
    if (ex == NULL) return cl_fail(COLONIES_EINVAL, "executor is NULL");
    return cl_task_start(out, ex->client, "executor register", register_task, ex, NULL);
}

colonies_status colonies_executor_register(colonies_executor *ex, colonies_cancel *cancel)
{
    colonies_call *call = NULL;
    int rc = colonies_executor_register_start(ex, &call);
    return rc ? rc : cl_call_complete(call, NULL, cancel);
}

colonies_status colonies_executor_next_start(colonies_executor *ex, colonies_call **out)
{
    cl_clear_error();
    CL_CHECK_OUT(out);
    if (ex == NULL) return cl_fail(COLONIES_EINVAL, "executor is NULL");
    return cl_task_start(out, ex->client, "executor next", next_task, ex, NULL);
}

/* Closing and failing. */

typedef struct {
    colonies_executor *ex;
    char *processid;
    char *values; /* the output, or the errors (JSON lists) */
    int fail;
} ending;

static void ending_free(void *arg)
{
    ending *e = arg;
    free(e->processid);
    free(e->values);
    free(e);
}

/* What the server says of the process: its state and whether it runs here; -1 when it did not answer. */
static int read_state(colonies_executor *ex, const char *processid, colonies_cancel *cancel, int *ours)
{
    char *out = NULL;
    int rc = callf(ex, &out, cancel, "get_process", ex->prvkey, "{\"processid\":%s}", processid);
    if (rc) return rc == COLONIES_ENOTFOUND ? -2 : -1;
    cJSON *p = cl_json_read(out);
    colonies_free(out);
    const cJSON *state = cJSON_GetObjectItemCaseSensitive(p, "state");
    const char *by = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(p, "assignedexecutorid"));
    *ours = by && strcmp(by, ex->executorid) == 0;
    int s = cJSON_IsNumber(state) ? state->valueint : -1;
    cJSON_Delete(p);
    return s;
}

static const char *state_name(int state)
{
    static const char *const names[] = {"waiting", "running", "successful", "failed", "cancelled"};
    return state >= 0 && state <= 4 ? names[state] : "unknown";
}

/* The server's reply to a close or fail was not a plain success: may it be sent again? */
static int resendable(int rc, int http) { return transient(rc, http); }

/*
 * After a process's function: its fs section's files synced back (and what
 * is not kept removed). A close whose files could not be synced becomes a
 * fail that says why.
 */
static void files_after(ending *e, colonies_cancel *cancel)
{
    colonies_executor *ex = e->ex;
    if (ex->fs_dir == NULL) return;
    char *out = NULL;
    if (callf(ex, &out, cancel, "get_process", ex->prvkey, "{\"processid\":%s}", e->processid) != COLONIES_OK) {
        cl_clear_error();
        return; /* the close that follows meets the same server */
    }
    cJSON *p = cl_json_read(out);
    colonies_free(out);
    const cJSON *fs = fs_section(p);
    int rc = fs ? cl_fs_after(ex->client, ex->prvkey, ex->colonyname, ex->fs_dir, fs, e->processid, cancel) : 0;
    cJSON_Delete(p);
    if (rc == 0 || e->fail) return;
    char why[900], *errors = NULL;
    snprintf(why, sizeof why, "the function ended, but the files of its fs section could not be synced: %s",
             colonies_last_error());
    if (colonies_json_format(&errors, "[%s]", why) == 0) {
        free(e->values);
        e->values = cl_strdup(errors);
        if (e->values) e->fail = 1;
    }
    colonies_free(errors);
}

static int end_task(void *arg, colonies_cancel *cancel, char **reply)
{
    ending *e = arg;
    colonies_executor *ex = e->ex;
    files_after(e, cancel);
    const char *verb = e->fail ? "fail" : "close";
    int in_doubt = 0, rc;
    int want = e->fail ? COLONIES_PROCESS_FAILED : COLONIES_PROCESS_SUCCESSFUL;
    for (;;) {
        rc = e->fail ? callf(ex, NULL, cancel, "close_failed", ex->prvkey, "{\"processid\":%s,\"errors\":%J}",
                             e->processid, e->values)
                     : callf(ex, NULL, cancel, "close_successful", ex->prvkey, "{\"processid\":%s,\"out\":%J}",
                             e->processid, e->values);
        int http = colonies_last_http_status();
        if (rc == COLONIES_OK) break;
        if (rc == COLONIES_EINVAL || rc == COLONIES_EJSON || rc == COLONIES_ECRYPTO || rc == COLONIES_ENOMEM) {
            forget(ex, e->processid);
            return rc; /* the request itself is wrong: no answer of the server's changes that */
        }
        in_doubt |= rc == COLONIES_EINDOUBT;
        char why[512];
        snprintf(why, sizeof why, "%s", colonies_last_error());
        /* Where does the process stand? Wait for the server to say, if need be. */
        int state, ours = 0;
        char notice[1024];
        while ((state = read_state(ex, e->processid, cancel, &ours)) == -1) {
            int down = server_down(ex, cancel, notice, sizeof notice);
            if (down < 0 || (down > 0 && cl_cancel_sleep(cancel, 250)))
                return cl_fail(in_doubt ? COLONIES_EINDOUBT : COLONIES_ECANCELLED,
                               "%s: stopped before the server answered: the outcome for process %s is unknown",
                               verb, e->processid);
        }
        if (state == want) break; /* it landed after all */
        if (state == COLONIES_PROCESS_RUNNING && ours && resendable(rc, http)) continue;
        forget(ex, e->processid);
        if (state == -2) return cl_fail(COLONIES_ENOTFOUND, "%s: process %s is gone (%s)", verb, e->processid, why);
        return cl_fail(COLONIES_ESERVER, "%s: process %s was not %s here: it is %s%s (%s)", verb, e->processid,
                       e->fail ? "failed" : "closed", state_name(state), ours ? "" : " and not assigned here", why);
    }
    char notice[256] = "";
    server_up(ex, notice, sizeof notice);
    forget(ex, e->processid);
    return colonies_json_format(reply, "null");
}

static int start_end(colonies_executor *ex, colonies_call **out, const char *processid, const char *values,
                     int fail)
{
    cl_clear_error();
    CL_CHECK_OUT(out);
    if (ex == NULL) return cl_fail(COLONIES_EINVAL, "executor is NULL");
    if (processid == NULL || processid[0] == '\0') return cl_fail(COLONIES_EINVAL, "processid is empty");
    cJSON *list = NULL;
    int rc = cl_json_parse(&list, values ? values : "[]", cJSON_Array, fail ? "errors_json" : "output_json");
    cJSON_Delete(list);
    if (rc) return rc;
    ending *e = calloc(1, sizeof *e);
    if (e == NULL) return cl_fail(COLONIES_ENOMEM, "out of memory");
    e->ex = ex;
    e->fail = fail;
    e->processid = cl_strdup(processid);
    e->values = cl_strdup(values ? values : "[]");
    if (e->processid == NULL || e->values == NULL) {
        ending_free(e);
        return cl_fail(COLONIES_ENOMEM, "out of memory");
    }
    return cl_task_start(out, ex->client, fail ? "executor fail" : "executor close", end_task, e, ending_free);
}

colonies_status colonies_executor_close_start(colonies_executor *ex, colonies_call **out, const char *processid,
                                              const char *output_json)
{
    return start_end(ex, out, processid, output_json, 0);
}

colonies_status colonies_executor_fail_start(colonies_executor *ex, colonies_call **out, const char *processid,
                                             const char *errors_json)
{
    return start_end(ex, out, processid, errors_json, 1);
}

colonies_status colonies_executor_next(colonies_executor *ex, char **out_json, colonies_cancel *cancel)
{
    if (out_json) *out_json = NULL;
    colonies_call *call = NULL;
    int rc = colonies_executor_next_start(ex, &call);
    return rc ? rc : cl_call_complete(call, out_json, cancel);
}

colonies_status colonies_executor_close(colonies_executor *ex, const char *processid, const char *output_json,
                                        colonies_cancel *cancel)
{
    colonies_call *call = NULL;
    int rc = colonies_executor_close_start(ex, &call, processid, output_json);
    return rc ? rc : cl_call_complete(call, NULL, cancel);
}

colonies_status colonies_executor_fail(colonies_executor *ex, const char *processid, const char *errors_json,
                                       colonies_cancel *cancel)
{
    colonies_call *call = NULL;
    int rc = colonies_executor_fail_start(ex, &call, processid, errors_json);
    return rc ? rc : cl_call_complete(call, NULL, cancel);
}

colonies_status colonies_executor_stop(colonies_executor *ex)
{
    cl_clear_error();
    if (ex == NULL) return cl_fail(COLONIES_EINVAL, "executor is NULL");
    pthread_mutex_lock(&ex->mu);
    int registered = ex->registered;
    ex->registered = 0;
    ex->ready = 0;
    pthread_mutex_unlock(&ex->mu);
    if (!registered) return COLONIES_OK;
    return callf(ex, NULL, NULL, "remove_executor", ex->colony_prvkey, "{\"colonyname\":%s,\"executorname\":%s}",
                 ex->colonyname, ex->executorname);
}

/* The loop, for C programs. */

static const colonies_function *find_function(const colonies_function *fns, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (fns[i].name && strcmp(fns[i].name, name) == 0) return &fns[i];
    return NULL;
}

colonies_status colonies_executor_run(colonies_executor *ex, const colonies_function *functions, size_t n,
                                      void (*on_notice)(void *user, const char *text), void *user,
                                      colonies_cancel *stop)
{
    cl_clear_error();
    if (ex == NULL) return cl_fail(COLONIES_EINVAL, "executor is NULL");
    if (n > 0 && functions == NULL) return cl_fail(COLONIES_EINVAL, "functions is NULL");
    for (;;) {
        char *text = NULL;
        int rc = colonies_executor_next(ex, &text, stop);
        if (rc == COLONIES_ECANCELLED && colonies_cancel_fired(stop)) return COLONIES_OK;
        if (rc) return rc;
        cJSON *job = cl_json_read(text);
        const char *notice = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(job, "notice"));
        if (notice && on_notice) on_notice(user, notice);
        const cJSON *process = cJSON_GetObjectItemCaseSensitive(job, "process");
        const char *pid = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(process, "processid"));
        const char *name = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(job, "funcname"));
        if (pid && name) {
            const colonies_function *f = find_function(functions, n, name);
            char *output = NULL, *error = NULL, *errors = NULL;
            int frc = COLONIES_OK;
            if (f == NULL) {
                colonies_json_format(&errors, "[%s]", "no such function in this executor");
            } else {
                frc = f->fn(f->user, text, &output, &error);
                if (frc != COLONIES_OK)
                    colonies_json_format(&errors, "[%s]", error && error[0] ? error : colonies_strerror(frc));
            }
            /* An outcome that cannot land (the process was cancelled meanwhile) is not the loop's end. */
            if (errors)
                colonies_executor_fail(ex, pid, errors, NULL);
            else
                colonies_executor_close(ex, pid, output ? output : "[]", NULL);
            colonies_free(output);
            colonies_free(error);
            colonies_free(errors);
        }
        cJSON_Delete(job);
        colonies_free(text);
    }
}
