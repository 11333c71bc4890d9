package colonies

import (
	"time"

	"github.com/colonyos/libcolonies/go/internal/capi"
)

// The types below mirror the server's JSON model (Colonies v1.9) field for
// field, with its JSON names. Times are time.Time; the server's unset times
// arrive as the zero time.

// Colony is a colony: a group of executors and the processes they run.
// ID is the id of the colony's private key.
type Colony struct {
	ID   string `json:"colonyid"`
	Name string `json:"name"`
}

// Executor states.
const (
	ExecutorPending      = 0
	ExecutorApproved     = 1
	ExecutorRejected     = 2
	ExecutorUnregistered = 3
)

// Executor is a worker that is assigned processes. ID is the id of its
// private key.
type Executor struct {
	ID                string       `json:"executorid"`
	Type              string       `json:"executortype"`
	Name              string       `json:"executorname"`
	ColonyName        string       `json:"colonyname"`
	State             int          `json:"state"`
	RequireFuncReg    bool         `json:"requirefuncreg"`
	CommissionTime    time.Time    `json:"commissiontime"`
	LastHeardFromTime time.Time    `json:"lastheardfromtime"`
	LocationName      string       `json:"locationname,omitempty"`
	Capabilities      Capabilities `json:"capabilities"`
	Allocations       Allocations  `json:"allocations"`
	BlueprintID       string       `json:"blueprintid,omitempty"`
	BlueprintGen      int64        `json:"blueprintgen,omitempty"`
}

// Capabilities is the hardware and software an executor offers.
type Capabilities struct {
	Hardware []Hardware `json:"hardware"`
	Software []Software `json:"software"`
}

// Hardware describes one kind of machine an executor runs on.
type Hardware struct {
	Model        string   `json:"model"`
	Nodes        int      `json:"nodes"`
	CPU          string   `json:"cpu"`
	Cores        int      `json:"cores"`
	Memory       string   `json:"mem"`
	Storage      string   `json:"storage"`
	GPU          GPU      `json:"gpu"`
	Platform     string   `json:"platform"`
	Architecture string   `json:"architecture"`
	Network      []string `json:"network"`
}

// Software describes software an executor offers.
type Software struct {
	Name    string `json:"name"`
	Type    string `json:"type"`
	Version string `json:"version"`
}

// GPU describes GPUs, offered by an executor or required by a process.
type GPU struct {
	Name      string `json:"name"`
	Memory    string `json:"mem"`
	Count     int    `json:"count"`
	NodeCount int    `json:"nodecount"`
}

// Allocations is an executor's resource use per project.
type Allocations struct {
	Projects map[string]Project `json:"projects"`
}

// Project is the resources allocated to and used by one project.
type Project struct {
	AllocatedCPU     int64 `json:"allocatedcpu"`
	UsedCPU          int64 `json:"usedcpu"`
	AllocatedGPU     int64 `json:"allocatedgpu"`
	UsedGPU          int64 `json:"usedgpu"`
	AllocatedStorage int64 `json:"allocatedstorage"`
	UsedStorage      int64 `json:"usedstorage"`
}

// Function is a function an executor has registered, with statistics.
type Function struct {
	ID           string        `json:"functionid"`
	ExecutorName string        `json:"executorname"`
	ExecutorType string        `json:"executortype"`
	ColonyName   string        `json:"colonyname"`
	FuncName     string        `json:"funcname"`
	Description  string        `json:"description,omitempty"`
	Args         []FunctionArg `json:"args,omitempty"`
	Counter      int           `json:"counter"`
	MinWaitTime  float64       `json:"minwaittime"`
	MaxWaitTime  float64       `json:"maxwaittime"`
	MinExecTime  float64       `json:"minexectime"`
	MaxExecTime  float64       `json:"maxexectime"`
	AvgWaitTime  float64       `json:"avgwaittime"`
	AvgExecTime  float64       `json:"avgexectime"`
	LocationName string        `json:"locationname,omitempty"`
}

// FunctionArg documents one argument of a Function.
type FunctionArg struct {
	Name        string   `json:"name"`
	Type        string   `json:"type"`
	Description string   `json:"description,omitempty"`
	Required    bool     `json:"required,omitempty"`
	Enum        []string `json:"enum,omitempty"`
}

// FunctionSpec is the unit of work a client submits. Build one with
// NewFuncSpec, which fills in the defaults.
type FunctionSpec struct {
	NodeName    string            `json:"nodename"`
	FuncName    string            `json:"funcname"`
	Args        []any             `json:"args"`
	KwArgs      map[string]any    `json:"kwargs"`
	Priority    int               `json:"priority"`
	MaxWaitTime int               `json:"maxwaittime"`
	MaxExecTime int               `json:"maxexectime"`
	MaxRetries  int               `json:"maxretries"`
	Conditions  Conditions        `json:"conditions"`
	Label       string            `json:"label"`
	Filesystem  Filesystem        `json:"fs"`
	Env         map[string]string `json:"env"`
	Channels    []string          `json:"channels,omitempty"`
}

// Conditions say which executors may run a process, and what it needs.
type Conditions struct {
	ColonyName       string   `json:"colonyname"`
	ExecutorNames    []string `json:"executornames"`
	ExecutorType     string   `json:"executortype"`
	LocationName     string   `json:"locationname,omitempty"`
	Dependencies     []string `json:"dependencies"`
	Nodes            int      `json:"nodes"`
	CPU              string   `json:"cpu"`
	Processes        int      `json:"processes"`
	ProcessesPerNode int      `json:"processespernode"`
	Memory           string   `json:"mem"`
	Storage          string   `json:"storage"`
	GPU              GPU      `json:"gpu"`
	WallTime         int64    `json:"walltime"`
}

// Filesystem is the files a process syncs.
type Filesystem struct {
	Mount          string          `json:"mount"`
	SnapshotMounts []SnapshotMount `json:"snapshots"`
	SyncDirMounts  []SyncDirMount  `json:"dirs"`
}

// SnapshotMount mounts a snapshot into a process's filesystem.
type SnapshotMount struct {
	SnapshotID   string `json:"snapshotid"`
	Label        string `json:"label"`
	Dir          string `json:"dir"`
	KeepFiles    bool   `json:"keepfiles"`
	KeepSnapshot bool   `json:"keepsnapshot"`
}

// SyncDirMount syncs a directory with a process's filesystem.
type SyncDirMount struct {
	Label              string             `json:"label"`
	Dir                string             `json:"dir"`
	KeepFiles          bool               `json:"keepfiles"`
	ConflictResolution ConflictResolution `json:"onconflicts"`
}

// ConflictResolution says which side wins a sync conflict.
type ConflictResolution struct {
	OnStart KeepLocal `json:"onstart"`
	OnClose KeepLocal `json:"onclose"`
}

// KeepLocal says whether local files win a sync conflict.
type KeepLocal struct {
	KeepLocal bool `json:"keeplocal"`
}

// ProcessState is the state of a process.
type ProcessState int

// Process states, as the server numbers them.
const (
	Waiting    = ProcessState(capi.COLONIES_WAITING)
	Running    = ProcessState(capi.COLONIES_RUNNING)
	Successful = ProcessState(capi.COLONIES_SUCCESSFUL)
	Failed     = ProcessState(capi.COLONIES_FAILED)
	Cancelled  = ProcessState(capi.COLONIES_CANCELLED)
)

// String names the state.
func (s ProcessState) String() string {
	switch s {
	case Waiting:
		return "waiting"
	case Running:
		return "running"
	case Successful:
		return "successful"
	case Failed:
		return "failed"
	case Cancelled:
		return "cancelled"
	}
	return "unknown"
}

// Process is a submitted FunctionSpec and what became of it.
type Process struct {
	ID                 string       `json:"processid"`
	InitiatorID        string       `json:"initiatorid"`
	InitiatorName      string       `json:"initiatorname"`
	AssignedExecutorID string       `json:"assignedexecutorid"`
	IsAssigned         bool         `json:"isassigned"`
	State              ProcessState `json:"state"`
	PriorityTime       int64        `json:"prioritytime"`
	SubmissionTime     time.Time    `json:"submissiontime"`
	StartTime          time.Time    `json:"starttime"`
	EndTime            time.Time    `json:"endtime"`
	WaitDeadline       time.Time    `json:"waitdeadline"`
	ExecDeadline       time.Time    `json:"execdeadline"`
	Retries            int          `json:"retries"`
	Attributes         []Attribute  `json:"attributes"`
	Spec               FunctionSpec `json:"spec"`
	WaitForParents     bool         `json:"waitforparents"`
	Parents            []string     `json:"parents"`
	Children           []string     `json:"children"`
	ProcessGraphID     string       `json:"processgraphid"`
	Input              []any        `json:"in"`
	Output             []any        `json:"out"`
	Errors             []string     `json:"errors"`
}

// Attribute is a key-value pair attached to a process.
type Attribute struct {
	ID                   string `json:"attributeid"`
	TargetID             string `json:"targetid"`
	TargetColonyName     string `json:"targetcolonyname"`
	TargetProcessGraphID string `json:"targetprocessgraphid"`
	State                int    `json:"state"`
	AttributeType        int    `json:"attributetype"`
	Key                  string `json:"key"`
	Value                string `json:"value"`
}

// Statistics counts a colony's or the whole server's executors, processes
// and workflows. Server-wide statistics fill in only colonies, executors and
// the process counts.
type Statistics struct {
	Colonies              int `json:"colonies"`
	Executors             int `json:"executors"`
	ActiveExecutors       int `json:"activeexecutors"`
	UnregisteredExecutors int `json:"unregisteredexecutors"`
	WaitingProcesses      int `json:"waitingprocesses"`
	RunningProcesses      int `json:"runningprocesses"`
	SuccessfulProcesses   int `json:"successfulprocesses"`
	FailedProcesses       int `json:"failedprocesses"`
	CancelledProcesses    int `json:"cancelledprocesses"`
	WaitingWorkflows      int `json:"waitingworkflows"`
	RunningWorkflows      int `json:"runningworkflows"`
	SuccessfulWorkflows   int `json:"successfulworkflows"`
	FailedWorkflows       int `json:"failedworkflows"`
	CancelledWorkflows    int `json:"cancelledworkflows"`
}

// ServerVersion is the server's build version and time.
type ServerVersion struct {
	BuildVersion string `json:"buildversion"`
	BuildTime    string `json:"buildtime"`
}

// ServerInfo is the server's public information.
type ServerInfo struct {
	BuildVersion string        `json:"buildversion"`
	BuildTime    string        `json:"buildtime"`
	Backends     []BackendInfo `json:"backends"`
}

// BackendInfo is one of the server's listeners.
type BackendInfo struct {
	Type     string `json:"type"`
	Port     int    `json:"port"`
	Host     string `json:"host,omitempty"`
	TLS      bool   `json:"tls,omitempty"`
	Insecure bool   `json:"insecure,omitempty"`
}
