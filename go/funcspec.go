package colonies

import "github.com/colonyos/libcolonies/go/internal/capi"

// Ptr returns a pointer to v, for the pointer fields of FuncSpecOptions.
func Ptr[T any](v T) *T {
	return &v
}

// NewFuncSpec builds a complete FunctionSpec, ready for SubmitFuncSpec, from
// opts (FuncSpecOptions, generated from the registry).
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
	var spec FunctionSpec
	return spec, decode(out, &spec)
}
