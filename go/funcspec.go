package colonies

import "github.com/colonyos/libcolonies/go/internal/capi"

// FuncSpecOptions are the options of NewFuncSpec, named as in pycolonies.
// Which are required, their defaults and their ranges are the core's, in
// colonies/funcspec.h. Unset fields are left out of the options so that the
// core's defaults apply; the numeric options whose default is not zero are
// pointers for that reason (see Ptr).
type FuncSpecOptions struct {
	FuncName         string            `json:"funcname,omitempty"`
	ColonyName       string            `json:"colonyname,omitempty"`
	ExecutorType     string            `json:"executortype,omitempty"`
	ExecutorName     string            `json:"executorname,omitempty"`
	ExecutorNames    []string          `json:"executornames,omitempty"`
	Args             []any             `json:"args,omitempty"`
	KwArgs           map[string]any    `json:"kwargs,omitempty"`
	NodeName         string            `json:"nodename,omitempty"`
	Priority         *int              `json:"priority,omitempty"`
	MaxWaitTime      *int              `json:"maxwaittime,omitempty"` // seconds
	MaxExecTime      *int              `json:"maxexectime,omitempty"` // seconds
	MaxRetries       *int              `json:"maxretries,omitempty"`
	Label            string            `json:"label,omitempty"`
	Env              map[string]string `json:"env,omitempty"`
	Code             string            `json:"code,omitempty"` // source shipped base64 in env "code"
	Dependencies     []string          `json:"dependencies,omitempty"`
	CPU              string            `json:"cpu,omitempty"`
	Memory           string            `json:"mem,omitempty"`
	Storage          string            `json:"storage,omitempty"`
	Nodes            int               `json:"nodes,omitempty"`
	Processes        int               `json:"processes,omitempty"`
	ProcessesPerNode int               `json:"processespernode,omitempty"`
	WallTime         int               `json:"walltime,omitempty"`
	GPU              *GPU              `json:"gpu,omitempty"`
	Filesystem       *Filesystem       `json:"fs,omitempty"`
	Channels         []string          `json:"channels,omitempty"`
}

// Ptr returns a pointer to v, for the pointer fields of FuncSpecOptions.
func Ptr[T any](v T) *T {
	return &v
}

// NewFuncSpec builds a complete FunctionSpec, ready for Submit, from opts.
// The core fills in the defaults and checks every value; a missing or wrong
// option gives ErrInvalidArgument naming it.
func NewFuncSpec(opts FuncSpecOptions) (FunctionSpec, error) {
	optionsJSON, err := encode("function spec options", opts)
	if err != nil {
		return FunctionSpec{}, err
	}
	var out string
	err = call(func() int { return capi.Colonies_func_spec_new(&out, optionsJSON) }, optionsJSON)
	if out, err = output(out, err); err != nil {
		return FunctionSpec{}, err
	}
	return decode[FunctionSpec](out)
}
