package main

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"os"
	"sort"
	"time"

	"github.com/colonyos/colonies/pkg/core"
	"github.com/colonyos/colonies/pkg/rpc"
)

// The golden payloads: for each operation of libcolonies' registry that the
// server serves (over POST, or as the first frame of a websocket), sample parameters (chosen from the registry's
// parameter names and types, so that every parameter has a value that is
// not its zero value), and the message the server's own pkg/rpc
// constructors build from the same values, as the upstream Go client sends
// it. libcolonies' tests build the message from the parameters and compare.

type golden struct {
	Server string       `json:"server"`
	Served served       `json:"served"`
	Cases  []goldenCase `json:"cases"`
}

type goldenCase struct {
	Operation string          `json:"operation"`
	MsgType   string          `json:"msgtype"`
	Params    json.RawMessage `json:"params"`
	Payload   json.RawMessage `json:"payload"`
}

// The registry, as much of it as the samples need.
type registry struct {
	Server     string `json:"server"`
	Operations []struct {
		Name      string     `json:"name"`
		MsgType   string     `json:"msgtype"`
		Transport string     `json:"transport"`
		Params    []param    `json:"params"`
		Exclusive [][]string `json:"exclusive"`
	} `json:"operations"`
}

type param struct {
	Name    string   `json:"name"`
	Type    string   `json:"type"`
	Min     *float64 `json:"min"`
	Max     *float64 `json:"max"`
	Choices []string `json:"choices"`
}

var sampleTime = time.Date(2026, 1, 2, 3, 4, 5, 678000000, time.UTC)

const sampleID = "4787a5071856a4acf702b2ffcea422e3237a679c681314113d86139461290cf4"

func sampleSpec(name string) core.FunctionSpec {
	spec := core.CreateFunctionSpec(name, "echo", []interface{}{"hello", 42.0}, map[string]interface{}{"k": "v"},
		"sample-colony", []string{"exec-a"}, "sample-type", 10, 20, 3, map[string]string{"A": "1"},
		[]string{"prev"}, 5, "sample-label")
	spec.Conditions.CPU = "500m"
	spec.Conditions.Memory = "1Gi"
	spec.Conditions.GPU = core.GPU{Name: "a100", Memory: "40Gi", Count: 1, NodeCount: 1}
	spec.Conditions.WallTime = 60
	spec.Channels = []string{"chat"}
	spec.Filesystem = core.Filesystem{Mount: "/cfs", SyncDirMounts: []core.SyncDirMount{{Label: "/data", Dir: "data",
		ConflictResolution: core.ConflictResolution{OnStart: core.OnStart{KeepLocal: true}}}}}
	return *spec
}

// sampleWorkflow is a workflow that can run (libcolonies checks that before
// sending): the first node depends on nothing, the second on the first.
func sampleWorkflow() core.WorkflowSpec {
	first := sampleSpec("first")
	first.Conditions.Dependencies = []string{}
	second := sampleSpec("second")
	second.Conditions.Dependencies = []string{"first"}
	return core.WorkflowSpec{ColonyName: "sample-colony", FunctionSpecs: []core.FunctionSpec{first, second}}
}

func sampleMetadata() core.BlueprintMetadata {
	return core.BlueprintMetadata{Name: "sample-blueprint", ColonyName: "sample-colony", LocationName: "lab",
		Labels: map[string]string{"tier": "a"}, Generation: 2, CreatedAt: sampleTime, UpdatedAt: sampleTime}
}

// sampleObjects are the values of the registry's object parameters, by type.
func sampleObjects() map[string]any {
	wf, _ := json.Marshal(sampleWorkflow())
	executor := core.CreateExecutor(sampleID, "sample-type", "sample-executor", "sample-colony", sampleTime, sampleTime)
	executor.Capabilities = sampleCapabilities()
	function := core.CreateFunction("", "sample-executor", "sample-type", "sample-colony", "echo", 1, 0.5, 1.5, 2.5,
		3.5, 1.0, 3.0)
	cron := core.CreateCron("sample-colony", "nightly", "0 0 * * * *", -1, false, string(wf))
	generator := core.CreateGenerator("sample-colony", "batcher", string(wf), 10, 60)
	return map[string]any{
		"Attribute":           core.CreateAttribute("target-process", "sample-colony", "", core.OUT, "key", "value"),
		"Blueprint":           core.Blueprint{ID: "bp-1", Kind: "Device", Metadata: sampleMetadata(), Spec: map[string]interface{}{"power": "on"}},
		"BlueprintDefinition": sampleDefinition(),
		"Colony":              core.CreateColony(sampleID, "sample-colony"),
		"Cron":                cron,
		"Executor":            executor,
		"File":                sampleFile(),
		"Function":            function,
		"FunctionSpec":        sampleSpec("node"),
		"Generator":           generator,
		"Location":            core.CreateLocation("loc-1", "lab", "sample-colony", "a lab", 18.07, 59.33),
		"User":                core.CreateUser("sample-colony", sampleID, "alice", "alice@example.com", "123"),
		"WorkflowSpec":        sampleWorkflow(),
		"Capabilities":        sampleCapabilities(),
		"Allocations": core.Allocations{Projects: map[string]core.Project{"p": {AllocatedCPU: 4, UsedCPU: 1,
			AllocatedGPU: 1, UsedGPU: 0, AllocatedStorage: 1 << 40, UsedStorage: 1 << 30}}},
	}
}

func sampleCapabilities() core.Capabilities {
	return core.Capabilities{
		Hardware: []core.Hardware{{Model: "x1", Nodes: 1, CPU: "4000m", Cores: 4, Memory: "16Gi", Storage: "1Ti",
			GPU: core.GPU{Name: "a100", Count: 1}, Platform: "linux", Architecture: "amd64", Network: []string{"10.0.0.5"}}},
		Software: []core.Software{{Name: "python", Type: "runtime", Version: "3.11"}},
	}
}

func sampleDefinition() core.BlueprintDefinition {
	return core.BlueprintDefinition{ID: "def-1", Kind: "BlueprintDefinition", Metadata: sampleMetadata(),
		Spec: core.BlueprintDefinitionSpec{Group: "example.io", Version: "v1", Scope: "Namespaced",
			Names:   core.BlueprintDefinitionNames{Kind: "Device", ListKind: "DeviceList", Singular: "device", Plural: "devices"},
			Handler: core.HandlerSpec{ExecutorType: "reconciler", FunctionName: "reconcile", ReconcileInterval: 30}}}
}

func sampleFile() core.File {
	return core.File{ColonyName: "sample-colony", Label: "/data", Name: "a.txt", Size: 5, SequenceNumber: 1,
		Checksum: "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824", ChecksumAlg: "SHA256",
		Reference: core.Reference{Protocol: "s3", S3Object: core.S3Object{Server: "localhost", Port: 9000, TLS: true,
			Region: "us-east-1", Object: "obj", Bucket: "colonies"}}, Added: sampleTime}
}

// sampleParams gives every parameter of an operation a value that is not its
// zero value, in its range; of two that may not both be set, only the first.
func sampleParams(params []param, exclusive [][]string) (map[string]any, error) {
	objects := sampleObjects()
	out := map[string]any{}
	for _, p := range params {
		switch p.Type {
		case "string":
			v := p.Name + "-value"
			if len(p.Choices) > 0 {
				v = p.Choices[len(p.Choices)-1]
			}
			out[p.Name] = v
		case "int":
			v := 7
			if p.Min != nil && *p.Min > float64(v) {
				v = int(*p.Min)
			}
			if p.Max != nil && *p.Max < float64(v) {
				v = int(*p.Max)
			}
			out[p.Name] = v
		case "int64":
			// A nanosecond timestamp: more than a double holds exactly.
			out[p.Name] = int64(1732921234567891234)
		case "bool":
			out[p.Name] = true
		case "bytes":
			out[p.Name] = base64.StdEncoding.EncodeToString([]byte("hello, channel"))
		case "list<any>":
			out[p.Name] = []any{"out", 1.5, map[string]any{"k": []any{1.0, 2.0}}}
		case "list<string>":
			out[p.Name] = []string{"first error", "second"}
		case "map<any>":
			out[p.Name] = map[string]any{"ready": true, "replicas": 3.0}
		default:
			obj, ok := objects[p.Type]
			if !ok {
				return nil, fmt.Errorf("no sample for a parameter of type %s", p.Type)
			}
			out[p.Name] = obj
		}
	}
	for _, pair := range exclusive {
		out[pair[1]] = ""
	}
	return out, nil
}

// args reads sample parameters back as the constructors' Go types.
type args map[string]any

func (a args) s(name string) string  { return a[name].(string) }
func (a args) i(name string) int     { return a[name].(int) }
func (a args) i64(name string) int64 { return a[name].(int64) }
func (a args) b(name string) bool    { return a[name].(bool) }
func (a args) bytes(name string) []byte {
	b, _ := base64.StdEncoding.DecodeString(a.s(name))
	return b
}

// obj returns a pointer to a copy of an object parameter, of type T.
func obj[T any](a args, name string) *T {
	v := a[name].(T)
	return &v
}

// ptr returns a pointer to an object parameter that samples hold as a pointer.
func ptr[T any](a args, name string) *T { return a[name].(*T) }

// constructors build each served message the way the upstream client does:
// with its pkg/rpc constructor, then setting the fields the constructor
// leaves out.
var constructors = map[string]func(a args) any{
	"addattributemsg": func(a args) any { return rpc.CreateAddAttributeMsg(a["attribute"].(core.Attribute)) },
	"addblueprintdefinitionmsg": func(a args) any {
		return rpc.CreateAddBlueprintDefinitionMsg(obj[core.BlueprintDefinition](a, "blueprintdefinition"))
	},
	"addblueprintmsg": func(a args) any { return rpc.CreateAddBlueprintMsg(obj[core.Blueprint](a, "blueprint")) },
	"addchildmsg": func(a args) any {
		return rpc.CreateAddChildMsg(a.s("processgraphid"), a.s("parentprocessid"), a.s("childprocessid"),
			obj[core.FunctionSpec](a, "spec"), a.b("insert"))
	},
	"addcolonymsg": func(a args) any { return rpc.CreateAddColonyMsg(ptr[core.Colony](a, "colony")) },
	"addcronmsg":   func(a args) any { return rpc.CreateAddCronMsg(ptr[core.Cron](a, "cron")) },
	"addexecutorlogmsg": func(a args) any {
		return rpc.CreateAddExecutorLogMsg(a.s("colonyname"), a.s("executorname"), a.s("message"))
	},
	"addexecutormsg":        func(a args) any { return rpc.CreateAddExecutorMsg(ptr[core.Executor](a, "executor")) },
	"addfilemsg":            func(a args) any { return rpc.CreateAddFileMsg(obj[core.File](a, "file")) },
	"addfunctionmsg":        func(a args) any { return rpc.CreateAddFunctionMsg(ptr[core.Function](a, "fun")) },
	"addgeneratormsg":       func(a args) any { return rpc.CreateAddGeneratorMsg(ptr[core.Generator](a, "generator")) },
	"addlocationmsg":        func(a args) any { return rpc.CreateAddLocationMsg(ptr[core.Location](a, "location")) },
	"addlogmsg":             func(a args) any { return rpc.CreateAddLogMsg(a.s("processid"), a.s("message")) },
	"addusermsg":            func(a args) any { return rpc.CreateAddUserMsg(ptr[core.User](a, "user")) },
	"approveexecutormsg":    func(a args) any { return rpc.CreateApproveExecutorMsg(a.s("colonyname"), a.s("executorname")) },
	"cancelprocessgraphmsg": func(a args) any { return rpc.CreateCancelProcessGraphMsg(a.s("processgraphid")) },
	"cancelprocessmsg":      func(a args) any { return rpc.CreateCancelProcessMsg(a.s("processid")) },
	"changecolonyidmsg":     func(a args) any { return rpc.CreateChangeColonyIDMsg(a.s("colonyname"), a.s("colonyid")) },
	"changeexecutoridmsg":   func(a args) any { return rpc.CreateChangeExecutorIDMsg(a.s("colonyname"), a.s("executorid")) },
	"changeserveridmsg":     func(a args) any { return rpc.CreateChangeServerIDMsg(a.s("serverid")) },
	"changeuseridmsg":       func(a args) any { return rpc.CreateChangeUserIDMsg(a.s("colonyname"), a.s("userid")) },
	"channelappendmsg": func(a args) any {
		m := rpc.CreateChannelAppendMsg(a.s("processid"), a.s("name"), a.i64("sequence"), a.i64("inreplyto"), a.bytes("payload"))
		m.PayloadType = a.s("payloadtype")
		return m
	},
	"channelreadmsg": func(a args) any {
		return rpc.CreateChannelReadMsg(a.s("processid"), a.s("name"), a.i64("afterseq"), a.i("limit"))
	},
	"closefailedmsg": func(a args) any {
		return rpc.CreateCloseFailedMsg(a.s("processid"), a["errors"].([]string))
	},
	"closesuccessfulmsg": func(a args) any {
		m := rpc.CreateCloseSuccessfulMsg(a.s("processid"))
		m.Output = a["out"].([]any)
		return m
	},
	"createsnapshotmsg":          func(a args) any { return rpc.CreateCreateSnapshotMsg(a.s("colonyname"), a.s("label"), a.s("name")) },
	"getattributemsg":            func(a args) any { return rpc.CreateGetAttributeMsg(a.s("attributeid")) },
	"getblueprintdefinitionmsg":  func(a args) any { return rpc.CreateGetBlueprintDefinitionMsg(a.s("colonyname"), a.s("name")) },
	"getblueprintdefinitionsmsg": func(a args) any { return rpc.CreateGetBlueprintDefinitionsMsg(a.s("colonyname")) },
	"getblueprinthistorymsg":     func(a args) any { return rpc.CreateGetBlueprintHistoryMsg(a.s("blueprintid"), a.i("limit")) },
	"getblueprintmsg":            func(a args) any { return rpc.CreateGetBlueprintMsg(a.s("namespace"), a.s("name")) },
	"getblueprintsmsg": func(a args) any {
		return rpc.CreateGetBlueprintsMsg(a.s("namespace"), a.s("kind"), a.s("locationname"))
	},
	"getclustermsg":      func(a args) any { return rpc.CreateGetClusterMsg() },
	"getcoloniesmsg":     func(a args) any { return rpc.CreateGetColoniesMsg() },
	"getcolonymsg":       func(a args) any { return rpc.CreateGetColonyMsg(a.s("colonyname")) },
	"getcolonystatsmsg":  func(a args) any { return rpc.CreateGetColonyStatisticsMsg(a.s("colonyname")) },
	"getcronmsg":         func(a args) any { return rpc.CreateGetCronMsg(a.s("cronid")) },
	"getcronsmsg":        func(a args) any { return rpc.CreateGetCronsMsg(a.s("colonyname"), a.i("count")) },
	"getexecutorbyidmsg": func(a args) any { return rpc.CreateGetExecutorByIDMsg(a.s("colonyname"), a.s("executorid")) },
	"getexecutormsg":     func(a args) any { return rpc.CreateGetExecutorMsg(a.s("colonyname"), a.s("executorname")) },
	"getexecutorsmsg":    func(a args) any { return rpc.CreateGetExecutorsMsg(a.s("colonyname")) },
	"getfilelabelsmsg": func(a args) any {
		return rpc.CreateGetFileLabelsMsg(a.s("colonyname"), a.s("name"), a.b("exact"))
	},
	"getfilemsg": func(a args) any {
		return rpc.CreateGetFileMsg(a.s("colonyname"), a.s("fileid"), a.s("label"), a.s("name"), a.b("latest"))
	},
	"getfilesmsg":      func(a args) any { return rpc.CreateGetFilesMsg(a.s("colonyname"), a.s("label")) },
	"getfunctionsmsg":  func(a args) any { return rpc.CreateGetFunctionsMsg(a.s("colonyname"), a.s("executorname")) },
	"getgeneratormsg":  func(a args) any { return rpc.CreateGetGeneratorMsg(a.s("generatorid")) },
	"getgeneratorsmsg": func(a args) any { return rpc.CreateGetGeneratorsMsg(a.s("colonyname"), a.i("count")) },
	"getlocationmsg":   func(a args) any { return rpc.CreateGetLocationMsg(a.s("colonyname"), a.s("name")) },
	"getlocationsmsg":  func(a args) any { return rpc.CreateGetLocationsMsg(a.s("colonyname")) },
	"getlogsmsg": func(a args) any {
		m := rpc.CreateGetLogsMsg(a.s("colonyname"), a.s("processid"), a.i("count"), a.i64("since"))
		m.ExecutorName = a.s("executorname")
		m.Latest = a.b("latest")
		return m
	},
	"getpausestatusmsg":   func(a args) any { return rpc.CreateGetPauseStatusMsg(a.s("colonyname")) },
	"getprocessgraphmsg":  func(a args) any { return rpc.CreateGetProcessGraphMsg(a.s("processgraphid")) },
	"getprocessgraphsmsg": func(a args) any { return rpc.CreateGetProcessGraphsMsg(a.s("colonyname"), a.i("count"), a.i("state")) },
	"getprocesshistmsg": func(a args) any {
		return rpc.CreateGetProcessHistMsg(a.s("colonyname"), a.s("executorid"), a.i("seconds"), a.i("state"))
	},
	"getprocessmsg": func(a args) any { return rpc.CreateGetProcessMsg(a.s("processid")) },
	"getprocessesmsg": func(a args) any {
		return rpc.CreateGetProcessesMsg(a.s("colonyname"), a.i("count"), a.i("state"), a.s("executortype"),
			a.s("label"), a.s("initiator"))
	},
	"getserverinfomsg":    func(a args) any { return rpc.CreateGetServerInfoMsg() },
	"getsnapshotmsg":      func(a args) any { return rpc.CreateGetSnapshotMsg(a.s("colonyname"), a.s("snapshotid"), a.s("name")) },
	"getsnapshotsmsg":     func(a args) any { return rpc.CreateGetSnapshotsMsg(a.s("colonyname")) },
	"getstatisticsmsg":    func(a args) any { return rpc.CreateGetStatisticsMsg() },
	"getuserbyidmsg":      func(a args) any { return rpc.CreateGetUserByIDMsg(a.s("colonyname"), a.s("userid")) },
	"getusermsg":          func(a args) any { return rpc.CreateGetUserMsg(a.s("colonyname"), a.s("name")) },
	"getusersmsg":         func(a args) any { return rpc.CreateGetUsersMsg(a.s("colonyname")) },
	"packgeneratormsg":    func(a args) any { return rpc.CreatePackGeneratorMsg(a.s("generatorid"), a.s("arg")) },
	"pauseassignmentsmsg": func(a args) any { return rpc.CreatePauseAssignmentsMsg(a.s("colonyname")) },
	"reconcileblueprintmsg": func(a args) any {
		return rpc.CreateReconcileBlueprintMsg(a.s("namespace"), a.s("name"), a.b("force"))
	},
	"rejectexecutormsg": func(a args) any { return rpc.CreateRejectExecutorMsg(a.s("colonyname"), a.s("executorname")) },
	"removeallprocessesmsg": func(a args) any {
		m := rpc.CreateRemoveAllProcessesMsg(a.s("colonyname"))
		m.State = a.i("state")
		return m
	},
	"removeallprocessgraphsmsg": func(a args) any {
		m := rpc.CreateRemoveAllProcessGraphsMsg(a.s("colonyname"))
		m.State = a.i("state")
		return m
	},
	"removeallsnapshotmsg": func(a args) any { return rpc.CreateRemoveAllSnapshotsMsg(a.s("colonyname")) },
	"removeblueprintdefinitionmsg": func(a args) any {
		return rpc.CreateRemoveBlueprintDefinitionMsg(a.s("namespace"), a.s("name"))
	},
	"removeblueprintmsg": func(a args) any { return rpc.CreateRemoveBlueprintMsg(a.s("namespace"), a.s("name")) },
	"removecolonymsg":    func(a args) any { return rpc.CreateRemoveColonyMsg(a.s("colonyname")) },
	"removecronmsg": func(a args) any {
		m := rpc.CreateRemoveCronMsg(a.s("cronid"))
		m.All = a.b("all")
		return m
	},
	"removeexecutormsg": func(a args) any { return rpc.CreateRemoveExecutorMsg(a.s("colonyname"), a.s("executorname")) },
	"removefilemsg": func(a args) any {
		return rpc.CreateRemoveFileMsg(a.s("colonyname"), a.s("fileid"), a.s("label"), a.s("name"))
	},
	"removefunctionmsg": func(a args) any { return rpc.CreateRemoveFunctionMsg(a.s("functionid")) },
	"removegeneratormsg": func(a args) any {
		m := rpc.CreateRemoveGeneratorMsg(a.s("generatorid"))
		m.All = a.b("all")
		return m
	},
	"removelocationmsg": func(a args) any { return rpc.CreateRemoveLocationMsg(a.s("colonyname"), a.s("name")) },
	"removeprocessgraphmsg": func(a args) any {
		m := rpc.CreateRemoveProcessGraphMsg(a.s("processgraphid"))
		m.All = a.b("all")
		return m
	},
	"removeprocessmsg": func(a args) any {
		m := rpc.CreateRemoveProcessMsg(a.s("processid"))
		m.All = a.b("all")
		return m
	},
	"removesnapshotmsg": func(a args) any {
		return rpc.CreateRemoveSnapshotMsg(a.s("colonyname"), a.s("snapshotid"), a.s("name"))
	},
	"removeusermsg": func(a args) any { return rpc.CreateRemoveUserMsg(a.s("colonyname"), a.s("name")) },
	"reportallocationmsg": func(a args) any {
		return rpc.CreateReportAllocationsMsg(a.s("colonyname"), a.s("executorname"), a["allocations"].(core.Allocations))
	},
	"resolvegeneratormsg":  func(a args) any { return rpc.CreateResolveGeneratorMsg(a.s("colonyname"), a.s("generatorname")) },
	"resumeassignmentsmsg": func(a args) any { return rpc.CreateResumeAssignmentsMsg(a.s("colonyname")) },
	"runcronmsg":           func(a args) any { return rpc.CreateRunCronMsg(a.s("cronid")) },
	"searchlogsmsg": func(a args) any {
		return rpc.CreateSearchLogsMsg(a.s("colonyname"), a.s("text"), a.i("days"), a.i("count"))
	},
	"setoutputmsg":          func(a args) any { return rpc.CreateSetOutputMsg(a.s("processid"), a["out"].([]any)) },
	"submitfuncspecmsg":     func(a args) any { return rpc.CreateSubmitFunctionSpecMsg(obj[core.FunctionSpec](a, "spec")) },
	"submitworkflowspecmsg": func(a args) any { return rpc.CreateSubmitWorkflowSpecMsg(obj[core.WorkflowSpec](a, "spec")) },
	"updateblueprintmsg": func(a args) any {
		m := rpc.CreateUpdateBlueprintMsg(obj[core.Blueprint](a, "blueprint"))
		m.ForceGeneration = a.b("forcegeneration")
		return m
	},
	"updateblueprintstatusmsg": func(a args) any {
		return rpc.CreateUpdateBlueprintStatusMsg(a.s("colonyname"), a.s("blueprintname"), a["status"].(map[string]any))
	},
	"updateexecutormsg": func(a args) any {
		return rpc.CreateUpdateExecutorMsg(a.s("colonyname"), a.s("executorname"), a["capabilities"].(core.Capabilities))
	},
	"versionmsg": func(a args) any { return rpc.CreateVersionMsg(a.s("buildversion"), a.s("buildtime")) },
	"subscribechannelmsg": func(a args) any {
		return rpc.CreateSubscribeChannelMsg(a.s("processid"), a.s("name"), a.i64("afterseq"), a.i("timeout"))
	},
	"subscribeprocessmsg": func(a args) any {
		return rpc.CreateSubscribeProcessMsg(a.s("colonyname"), a.s("processid"), a.s("executortype"), a.i("state"), a.i("timeout"))
	},
	"subscribeprocessesmsg": func(a args) any {
		return rpc.CreateSubscribeProcessesMsg(a.s("colonyname"), a.s("executortype"), a.i("state"), a.i("timeout"))
	},
	"assignprocessmsg": func(a args) any {
		m := rpc.CreateAssignProcessMsg(a.s("colonyname"), a.s("availablecpu"), a.s("availablemem"))
		m.Timeout = a.i("timeout")
		return m
	},
}

func goldenPayloads(registryPath string) (golden, error) {
	var g golden
	text, err := os.ReadFile(registryPath)
	if err != nil {
		return g, err
	}
	var reg registry
	if err := json.Unmarshal(text, &reg); err != nil {
		return g, fmt.Errorf("%s: %w", registryPath, err)
	}
	if g.Served, err = servedMessages(); err != nil {
		return g, err
	}
	g.Server = reg.Server
	served := map[string]bool{}
	for _, m := range append(append(append([]string{}, g.Served.Signed...), g.Served.Unsigned...), g.Served.Websocket...) {
		served[m] = true
	}
	for _, op := range reg.Operations {
		if !served[op.MsgType] {
			continue
		}
		build, ok := constructors[op.MsgType]
		if !ok {
			return g, fmt.Errorf("no constructor for %s: add one to tests/upstream/golden.go", op.MsgType)
		}
		params, err := sampleParams(op.Params, op.Exclusive)
		if err != nil {
			return g, fmt.Errorf("%s: %w", op.Name, err)
		}
		paramsJSON, err := json.Marshal(params)
		if err != nil {
			return g, err
		}
		payload, err := json.Marshal(build(args(params)))
		if err != nil {
			return g, err
		}
		g.Cases = append(g.Cases, goldenCase{Operation: op.Name, MsgType: op.MsgType, Params: paramsJSON, Payload: payload})
	}
	sort.Slice(g.Cases, func(i, j int) bool { return g.Cases[i].Operation < g.Cases[j].Operation })
	return g, nil
}
