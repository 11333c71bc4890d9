/* Workflows: building and checking a workflow spec (no server), then running
 * one on the real server: inputs from the parents' outputs, finding a node's
 * process, and growing the graph with add_child. */
#include "fixture.h"

static const char *KEY_FOR_ENCODE = "ddf7f7791208083b6a9ed975a72684f6406a269cfa36f1b1c32045c0a71fff05";

static char *add(const char *wf, const char *funcname, const char *nodename, const char *deps)
{
    char *opts = NULL, *spec = NULL, *out = NULL;
    CHECK_RC(colonies_json_format(&opts, "{\"funcname\":%s,\"colonyname\":\"other\",\"executortype\":\"t\"}",
                                  funcname),
             COLONIES_OK);
    CHECK_RC(colonies_func_spec_new(&spec, opts), COLONIES_OK);
    int rc = colonies_workflow_add(&out, wf, spec, nodename, deps);
    colonies_free(opts);
    colonies_free(spec);
    return rc == COLONIES_OK ? out : NULL;
}

static void test_builder(void)
{
    char *wf = NULL;
    CHECK_RC(colonies_workflow_new(&wf, "lab"), COLONIES_OK);
    CHECK_STR(wf, "{\"colonyname\":\"lab\",\"functionspecs\":[]}");
    /* An empty workflow cannot run. */
    CHECK_RC(colonies_workflow_check(wf), COLONIES_EINVAL);
    CHECK(strstr(colonies_last_error(), "no function specs") != NULL);
    char *a = add(wf, "gen_nums", NULL, NULL);
    char *b = add(a, "sum_nums", "sum", "[\"gen_nums\"]");
    CHECK(a != NULL && b != NULL);
    CHECK_RC(colonies_workflow_check(b), COLONIES_OK);
    cJSON *v = cJSON_Parse(b ? b : "");
    const cJSON *second = cJSON_GetArrayItem(cJSON_GetObjectItem(v, "functionspecs"), 1);
    const cJSON *cond = cJSON_GetObjectItem(second, "conditions");
    CHECK_STR(field(second, "nodename"), "sum");
    CHECK_STR(field(cond, "colonyname"), "lab"); /* the workflow's colony */
    CHECK_STR(cJSON_GetStringValue(cJSON_GetArrayItem(cJSON_GetObjectItem(cond, "dependencies"), 0)), "gen_nums");
    cJSON_Delete(v);
    /* A name used twice is refused as it is added. */
    char *out = NULL;
    CHECK(add(b, "gen_nums", NULL, NULL) == NULL);
    CHECK(strstr(colonies_last_error(), "node name \"gen_nums\" is used already") != NULL);
    CHECK_RC(colonies_workflow_add(&out, b, "[]", "x", NULL), COLONIES_EJSON);
    CHECK_RC(colonies_workflow_add(&out, b, "{}", NULL, NULL), COLONIES_EINVAL);
    CHECK(strstr(colonies_last_error(), "no nodename") != NULL);
    CHECK_RC(colonies_workflow_add(&out, b, "{\"nodename\":\"y\"}", NULL, "[1]"), COLONIES_EINVAL);
    CHECK_RC(colonies_workflow_add(&out, "not json", "{}", "x", NULL), COLONIES_EJSON);
    CHECK_RC(colonies_workflow_new(&out, ""), COLONIES_EINVAL);

    /* A dependency on no node, and cycles, each named. */
    char *c = add(b, "late", "late", "[\"nowhere\"]");
    CHECK_RC(colonies_workflow_check(c), COLONIES_EINVAL);
    CHECK_STR(colonies_last_error(), "workflow: node \"late\" depends on \"nowhere\", which is no node of the workflow");
    colonies_free(c);
    char *x = add(wf, "x", "x", "[\"z\"]"), *y = add(x, "y", "y", "[\"x\"]"), *z = add(y, "z", "z", "[\"y\"]");
    CHECK_RC(colonies_workflow_check(z), COLONIES_EINVAL);
    CHECK_STR(colonies_last_error(), "workflow: the dependencies form a cycle: \"x\" -> \"z\" -> \"y\" -> \"x\"");
    char *self = add(wf, "s", "s", "[\"s\"]");
    CHECK_RC(colonies_workflow_check(self), COLONIES_EINVAL);
    CHECK(strstr(colonies_last_error(), "cycle: \"s\" -> \"s\"") != NULL);
    /* Submitting checks it too, before anything is sent. */
    char *params = NULL;
    CHECK_RC(colonies_json_format(&params, "{\"spec\":%J}", z), COLONIES_OK);
    CHECK_RC(colonies_request_encode(&out, "submit_workflow_spec", params, KEY_FOR_ENCODE), COLONIES_EINVAL);
    CHECK(strstr(colonies_last_error(), "submit_workflow_spec: parameter spec: the dependencies form a cycle") != NULL);
    colonies_free(params);
    CHECK_RC(colonies_workflow_check("{\"functionspecs\":[{\"nodename\":\"a\"},{\"nodename\":\"a\"}]}"),
             COLONIES_EINVAL);
    CHECK_STR(colonies_last_error(), "workflow: node name \"a\" is used by function specs 1 and 2");
    CHECK_RC(colonies_workflow_check("{\"functionspecs\":[{\"funcname\":\"f\"}]}"), COLONIES_EINVAL);
    CHECK_STR(colonies_last_error(), "workflow: function spec 1 of the workflow has no nodename");
    CHECK_RC(colonies_workflow_check("[]"), COLONIES_EJSON);
    for (char **p = (char *[]){wf, a, b, x, y, z, self, NULL}; *p; p++) colonies_free(*p);

    /* A node's process in a graph as the server lists it. */
    const char *graph = "{\"processgraphid\":\"g\",\"nodes\":[{\"id\":\"p1\",\"data\":{\"label\":\"gen\"}},"
                        "{\"id\":\"p2\",\"data\":{\"label\":\"sum\"}}]}";
    CHECK_RC(colonies_process_graph_node(&out, graph, "sum"), COLONIES_OK);
    CHECK_STR(out, "p2");
    colonies_free(out);
    CHECK_RC(colonies_process_graph_node(&out, graph, "reduce"), COLONIES_ENOTFOUND);
    CHECK_STR(colonies_last_error(), "no node \"reduce\" in the graph; its nodes are \"gen\", \"sum\"");
    CHECK_RC(colonies_process_graph_node(&out, "{\"nodes\":[]}", "a"), COLONIES_ENOTFOUND);
}

static fixture fx;

/* Assigns the next process; it (parsed) or NULL. */
static cJSON *assign(void)
{
    char *out = NULL;
    CHECK_RC(callf(fx.client, &out, "assign_process", fx.exec_key, "{\"colonyname\":\"%s\",\"timeout\":5}",
                   fx.colony),
             COLONIES_OK);
    return out ? parse(out) : NULL;
}

static char *spec_for(const char *funcname)
{
    char *opts = NULL, *spec = NULL;
    CHECK_RC(colonies_json_format(&opts, "{\"funcname\":%s,\"colonyname\":%s,\"executortype\":%s}", funcname,
                                  fx.colony, fx.exec_type),
             COLONIES_OK);
    CHECK_RC(colonies_func_spec_new(&spec, opts), COLONIES_OK);
    colonies_free(opts);
    return spec;
}

/* Builds and submits a workflow of (funcname, dependencies) pairs; the process graph. */
static cJSON *submit_workflow(const char *const *nodes)
{
    char *wf = NULL, *params = NULL, *out = NULL;
    CHECK_RC(colonies_workflow_new(&wf, fx.colony), COLONIES_OK);
    for (; *nodes; nodes += 2) {
        char *spec = spec_for(nodes[0]), *next = NULL;
        CHECK_RC(colonies_workflow_add(&next, wf, spec, nodes[0], nodes[1]), COLONIES_OK);
        colonies_free(spec);
        colonies_free(wf);
        wf = next;
    }
    CHECK_RC(colonies_json_format(&params, "{\"spec\":%J}", wf), COLONIES_OK);
    CHECK_RC(colonies_client_call(fx.client, &out, "submit_workflow_spec", params, fx.exec_key, 0, NULL),
             COLONIES_OK);
    colonies_free(params);
    colonies_free(wf);
    return out ? parse(out) : NULL;
}

static void close_with(const cJSON *process, const char *out_json)
{
    CHECK_RC(callf(fx.client, NULL, "close_successful", fx.exec_key, "{\"processid\":\"%s\",\"out\":%s}",
                   field(process, "processid"), out_json),
             COLONIES_OK);
}

/* The sum of the numbers in a process's input. */
static double input_sum(const cJSON *process, int *count)
{
    double sum = 0;
    *count = 0;
    const cJSON *v;
    cJSON_ArrayForEach(v, cJSON_GetObjectItem(process, "in"))
    {
        sum += v->valuedouble;
        (*count)++;
    }
    return sum;
}

/* The seed's workflow: sum_nums(gen_nums()) gives 3. */
static void test_workflow_runs(void)
{
    static const char *const nodes[] = {"gen_nums", "[]", "sum_nums", "[\"gen_nums\"]", NULL};
    cJSON *graph = submit_workflow(nodes);
    CHECK(cJSON_GetArraySize(cJSON_GetObjectItem(graph, "processids")) == 2);
    cJSON *gen = assign();
    CHECK_STR(gen ? cJSON_GetStringValue(cJSON_GetObjectItem(cJSON_GetObjectItem(gen, "spec"), "funcname")) : NULL,
              "gen_nums");
    close_with(gen, "[1,2]");
    cJSON *sum = assign();
    int n = 0;
    CHECK(sum && input_sum(sum, &n) == 3 && n == 2);
    close_with(sum, "[3]");
    /* One call finds a node's process. */
    char *out = NULL;
    CHECK_RC(colonies_client_find_process(fx.client, &out, field(graph, "processgraphid"), "sum_nums", fx.exec_key,
                                          NULL),
             COLONIES_OK);
    cJSON *found = parse(out);
    CHECK_STR(found ? field(found, "processid") : NULL, field(sum, "processid"));
    CHECK(found && int_field(found, "state") == COLONIES_PROCESS_SUCCESSFUL);
    CHECK_RC(colonies_client_find_process(fx.client, &out, field(graph, "processgraphid"), "nope", fx.exec_key, NULL),
             COLONIES_ENOTFOUND);
    CHECK(strstr(colonies_last_error(), "\"gen_nums\", \"sum_nums\"") != NULL);
    /* The graph itself, or the list of its process ids, name it too. */
    char *graph_json = cJSON_PrintUnformatted(graph);
    char *ids = cJSON_PrintUnformatted(cJSON_GetObjectItem(graph, "processids"));
    for (const char **g = (const char *[]){graph_json, ids, NULL}; *g; g++) {
        CHECK_RC(colonies_client_find_process(fx.client, &out, *g, "gen_nums", fx.exec_key, NULL), COLONIES_OK);
        cJSON *p = parse(out);
        CHECK_STR(p ? field(p, "processid") : NULL, field(gen, "processid"));
        cJSON_Delete(p);
    }
    free(graph_json);
    free(ids);
    CHECK_RC(colonies_client_find_process(fx.client, &out, "[]", "gen_nums", fx.exec_key, NULL), COLONIES_EINVAL);
    CHECK_RC(colonies_client_find_process(fx.client, &out, "{}", "gen_nums", fx.exec_key, NULL), COLONIES_EINVAL);
    cJSON_Delete(found);
    cJSON_Delete(gen);
    cJSON_Delete(sum);
    cJSON_Delete(graph);
}

/* The seed's MapReduce: map adds 5 gen_nums between itself and reduce; reduce gets 15. */
static void test_map_reduce(void)
{
    static const char *const nodes[] = {"map", "[]", "reduce", "[\"map\"]", NULL};
    cJSON *graph = submit_workflow(nodes);
    const char *graphid = field(graph, "processgraphid");
    cJSON *map = assign();
    char *reduce = NULL;
    CHECK_RC(colonies_client_find_process(fx.client, &reduce, graphid, "reduce", fx.exec_key, NULL), COLONIES_OK);
    cJSON *r = parse(reduce);
    for (int i = 0; i < 5; i++) {
        char *spec = spec_for("gen_nums"), *params = NULL;
        CHECK_RC(colonies_json_format(&params, "{\"processgraphid\":%s,\"parentprocessid\":%s,"
                                               "\"childprocessid\":%s,\"spec\":%J,\"insert\":%b}",
                                      graphid, field(map, "processid"), field(r, "processid"), spec, i == 0),
                 COLONIES_OK);
        /* Each its own node name. */
        cJSON *p = cJSON_Parse(params);
        char name[32];
        snprintf(name, sizeof name, "gen_nums_%d", i);
        cJSON_ReplaceItemInObject(cJSON_GetObjectItem(p, "spec"), "nodename", cJSON_CreateString(name));
        char *text = cJSON_PrintUnformatted(p);
        CHECK_RC(colonies_client_call(fx.client, NULL, "add_child", text, fx.exec_key, 0, NULL), COLONIES_OK);
        free(text);
        cJSON_Delete(p);
        colonies_free(params);
        colonies_free(spec);
    }
    close_with(map, "[]");
    for (int i = 0; i < 5; i++) {
        cJSON *g = assign();
        CHECK_STR(g ? cJSON_GetStringValue(cJSON_GetObjectItem(cJSON_GetObjectItem(g, "spec"), "funcname")) : NULL,
                  "gen_nums");
        close_with(g, "[1,2]");
        cJSON_Delete(g);
    }
    cJSON *red = assign();
    int n = 0;
    double total = red ? input_sum(red, &n) : 0;
    printf("MapReduce: reduce got %d numbers summing to %g\n", n, total);
    CHECK(total == 15 && n == 10);
    cJSON_Delete(red);
    cJSON_Delete(r);
    cJSON_Delete(map);
    cJSON_Delete(graph);
}

int main(void)
{
    test_builder();
    fixture_colony(&fx, "wf");
    test_workflow_runs();
    test_map_reduce();
    fixture_free(&fx, 1);
    return check_summary("test_workflow");
}
