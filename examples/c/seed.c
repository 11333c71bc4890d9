/*
 * The seed's examples, in C, against an executor of type EXECUTOR_TYPE
 * (examples/c/executor): echo, a failing function, the workflow
 * sum_nums(gen_nums()) = 3, the MapReduce whose map adds five gen_nums =
 * 15, the monad chain gen_data >> process_data >> echo = 3, and waiting on a
 * process. Prints each result; exits non-zero when one is not what the seed
 * says.
 *
 *   eval "$(scripts/colonies-server env)"; EXECUTOR_TYPE=c_executor ./seed
 */
#include "env.h"

static colonies_client *client;
static const char *colony, *key, *type;
static int failures;

static void expect(const char *what, int ok, const char *got)
{
    printf("%-10s %s%s\n", what, got, ok ? "" : "   <- not what the seed says");
    fflush(stdout);
    if (!ok) failures++;
}

/* A function spec for the executor; caller frees. */
static char *spec(const char *funcname, const char *args_json)
{
    char *opts = NULL, *out = NULL;
    colonies_json_format(&opts, "{\"funcname\":%s,\"args\":%J,\"colonyname\":%s,\"executortype\":%s}", funcname,
                         args_json, colony, type);
    int rc = opts ? colonies_func_spec_new(&out, opts) : COLONIES_ENOMEM;
    colonies_free(opts);
    if (rc) report("func spec", rc);
    return out;
}

/* Waits for a process to finish; the process (parsed) or NULL. */
static cJSON *wait_for(const char *processid)
{
    char *out = NULL;
    int rc = colonies_client_wait_process(client, &out, processid, COLONIES_WAIT_FINISHED, 60000, key, NULL);
    if (rc) {
        report("wait", rc);
        return NULL;
    }
    cJSON *p = cJSON_Parse(out);
    colonies_free(out);
    return p;
}

static cJSON *submit_and_wait(const char *funcname, const char *args_json)
{
    char *s = spec(funcname, args_json), *params = NULL, *out = NULL;
    colonies_json_format(&params, "{\"spec\":%J}", s);
    int rc = colonies_client_call(client, &out, "submit_func_spec", params, key, 0, NULL);
    colonies_free(s);
    colonies_free(params);
    if (rc) {
        report("submit", rc);
        return NULL;
    }
    cJSON *p = cJSON_Parse(out);
    colonies_free(out);
    cJSON *done = wait_for(cJSON_GetStringValue(cJSON_GetObjectItem(p, "processid")));
    cJSON_Delete(p);
    return done;
}

static const cJSON *out0(const cJSON *process) { return cJSON_GetArrayItem(cJSON_GetObjectItem(process, "out"), 0); }

static int state(const cJSON *process) { return cJSON_GetObjectItem(process, "state") ? cJSON_GetObjectItem(process, "state")->valueint : -1; }

/* Builds a workflow of (funcname, dependencies) pairs, submits it, and waits for node last. */
static cJSON *run_workflow(const char *const *nodes, const char *last)
{
    char *wf = NULL, *params = NULL, *graph = NULL, *process = NULL;
    colonies_workflow_new(&wf, colony);
    for (; wf && *nodes; nodes += 2) {
        char *s = spec(nodes[0], "[]"), *next = NULL;
        int rc = colonies_workflow_add(&next, wf, s, nodes[0], nodes[1]);
        colonies_free(s);
        colonies_free(wf);
        wf = rc ? NULL : next;
        if (rc) report("workflow", rc);
    }
    if (wf == NULL) return NULL;
    colonies_json_format(&params, "{\"spec\":%J}", wf);
    int rc = colonies_client_call(client, &graph, "submit_workflow_spec", params, key, 0, NULL);
    colonies_free(params);
    colonies_free(wf);
    if (rc) {
        report("submit workflow", rc);
        return NULL;
    }
    /* The graph names the node's process. */
    cJSON *g = cJSON_Parse(graph);
    rc = colonies_client_find_process(client, &process, cJSON_GetStringValue(cJSON_GetObjectItem(g, "processgraphid")),
                                      last, key, NULL);
    cJSON_Delete(g);
    colonies_free(graph);
    if (rc) {
        report("find process", rc);
        return NULL;
    }
    cJSON *p = cJSON_Parse(process);
    colonies_free(process);
    cJSON *done = wait_for(cJSON_GetStringValue(cJSON_GetObjectItem(p, "processid")));
    cJSON_Delete(p);
    return done;
}

int main(void)
{
    cJSON *env = read_env();
    colony = need(env, "colonyname", "COLONIES_COLONY_NAME");
    key = need(env, "prvkey", "COLONIES_PRVKEY");
    type = env_or("EXECUTOR_TYPE", "c_executor");
    if (colony == NULL || key == NULL) return 1;
    int rc = colonies_client_new_from_env(&client, NULL);
    if (rc) return report("connect", rc);
    char text[256];

    /* Calling a function. */
    cJSON *p = submit_and_wait("echo", "[\"helloworld\"]");
    const char *s = cJSON_GetStringValue(out0(p));
    expect("echo", s && strcmp(s, "helloworld") == 0, s ? s : "(nothing)");
    cJSON_Delete(p);

    /* A function that fails: the wait ends at once, with the process failed. */
    p = submit_and_wait("fail", "[]");
    s = cJSON_GetStringValue(cJSON_GetArrayItem(cJSON_GetObjectItem(p, "errors"), 0));
    snprintf(text, sizeof text, "failed: %s", s ? s : "(no error)");
    expect("fail", state(p) == COLONIES_PROCESS_FAILED, text);
    cJSON_Delete(p);

    /* The workflow: sum_nums(gen_nums()). */
    static const char *const workflow[] = {"gen_nums", "[]", "sum_nums", "[\"gen_nums\"]", NULL};
    p = run_workflow(workflow, "sum_nums");
    snprintf(text, sizeof text, "%g", out0(p) ? out0(p)->valuedouble : -1);
    expect("workflow", out0(p) && out0(p)->valuedouble == 3, text);
    cJSON_Delete(p);

    /* The MapReduce: map adds five gen_nums, reduce sums them. */
    static const char *const mapreduce[] = {"map", "[]", "reduce", "[\"map\"]", NULL};
    p = run_workflow(mapreduce, "reduce");
    snprintf(text, sizeof text, "%g", out0(p) ? out0(p)->valuedouble : -1);
    expect("mapreduce", out0(p) && out0(p)->valuedouble == 15, text);
    cJSON_Delete(p);

    /* The monad: gen_data >> process_data >> echo, as a chain run to its end. */
    char *a = spec("gen_data", "[]"), *b = spec("process_data", "[]"), *c = spec("echo", "[]");
    char *specs = NULL, *chain = NULL, *out = NULL;
    colonies_json_format(&specs, "[%J,%J,%J]", a, b, c);
    rc = colonies_workflow_chain(&chain, colony, specs);
    if (rc == 0) rc = colonies_client_run_workflow(client, &out, chain, key, 60000, NULL);
    if (rc) report("monad", rc);
    p = out ? cJSON_Parse(out) : NULL;
    snprintf(text, sizeof text, "%g", out0(p) ? out0(p)->valuedouble : -1);
    expect("monad", out0(p) && out0(p)->valuedouble == 3, text);
    cJSON_Delete(p);
    for (char **f = (char *[]){a, b, c, specs, chain, out, NULL}; *f; f++) colonies_free(*f);

    /* Waiting on a process: the wait returns as it finishes. */
    p = submit_and_wait("echo", "[\"waited\"]");
    snprintf(text, sizeof text, "%s", state(p) == COLONIES_PROCESS_SUCCESSFUL ? "successful" : "not finished");
    expect("wait", state(p) == COLONIES_PROCESS_SUCCESSFUL, text);
    cJSON_Delete(p);

    colonies_client_free(client);
    cJSON_Delete(env);
    return failures ? 1 : 0;
}
