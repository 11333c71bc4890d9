/*
 * libcolonies: workflows, DAGs of function specs run as a process graph.
 *
 * A workflow spec is a JSON object {"colonyname", "functionspecs": [...]}:
 * each function spec is a node, named by its "nodename", and waits for the
 * nodes its "conditions.dependencies" name; a node's process gets its
 * parents' outputs as its input. Submit one with the operation
 * submit_workflow_spec, whose reply is the process graph; the core checks it
 * first (colonies_workflow_check), so nothing half made reaches the server.
 * A running graph grows with the operation add_child (MapReduce).
 */
#ifndef COLONIES_WORKFLOW_H
#define COLONIES_WORKFLOW_H

#include "colonies/client.h"

#ifdef __cplusplus
extern "C" {
#endif

/* An empty workflow spec of colonyname. */
COLONIES_API colonies_status colonies_workflow_new(char **out_json, const char *colonyname);

/*
 * workflow_json with spec_json (a function spec, see colonies_func_spec_new)
 * added as node nodename (NULL: the spec's own nodename), depending on the
 * nodes dependencies_json names (a JSON list of node names; NULL: the
 * spec's own dependencies). The node's colony becomes the workflow's. A node
 * name used already is refused, naming it; a dependency may name a node
 * added later.
 */
COLONIES_API colonies_status colonies_workflow_add(char **out_json, const char *workflow_json,
                                                   const char *spec_json, const char *nodename,
                                                   const char *dependencies_json);

/*
 * COLONIES_OK when workflow_json can run: it has function specs, each with a
 * node name used once, each dependency names a node of the workflow, and
 * the dependencies form no cycle; else COLONIES_EINVAL naming the nodes at
 * fault ("node \"sum\" depends on \"gen\", which is no node of the
 * workflow", "the dependencies form a cycle: \"a\" -> \"b\" -> \"a\"").
 */
COLONIES_API colonies_status colonies_workflow_check(const char *workflow_json);

/*
 * The id of the process of node nodename in graph_json, a process graph as
 * the operation get_process_graph replies it; COLONIES_ENOTFOUND naming the
 * graph's nodes when it has no such node. No request is made.
 */
COLONIES_API colonies_status colonies_process_graph_node(char **out_processid, const char *graph_json,
                                                         const char *nodename);

/*
 * The process of node nodename in a process graph: graph is the graph's id,
 * the graph itself (JSON, as submit_workflow_spec replies it), or a JSON
 * list of its process ids (pycolonies' find_process). Reads the graph and
 * then that process: two requests (three from a list of ids), whatever the
 * graph's size. COLONIES_ENOTFOUND, naming the graph's nodes, when it has no
 * such node.
 */
COLONIES_API colonies_status colonies_client_find_process(colonies_client *client, char **out_json,
                                                          const char *graph, const char *nodename,
                                                          const char *prvkey, colonies_cancel *cancel);

/*
 * A workflow of colonyname whose nodes, the function specs of specs_json (a
 * JSON list), run one after the other, each getting the one before's output
 * as its input (the seed's monad chain). Node i is named "<i>-<nodename>"
 * (i from 1), so a function may come twice.
 */
COLONIES_API colonies_status colonies_workflow_chain(char **out_json, const char *colonyname,
                                                     const char *specs_json);

/*
 * Submits workflow_json and waits (up to timeout_ms) for the process of its
 * last node to finish, whichever way: its reply is that process (its output
 * is the chain's result). COLONIES_EEXPIRED when the time is up first.
 */
COLONIES_API colonies_status colonies_client_run_workflow_start(colonies_client *client, colonies_call **out,
                                                                const char *workflow_json, const char *prvkey,
                                                                int64_t timeout_ms);
COLONIES_API colonies_status colonies_client_run_workflow(colonies_client *client, char **out_json,
                                                          const char *workflow_json, const char *prvkey,
                                                          int64_t timeout_ms, colonies_cancel *cancel);

#ifdef __cplusplus
}
#endif
#endif
