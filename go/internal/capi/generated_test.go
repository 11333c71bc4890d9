package capi

import (
	"os/exec"
	"testing"
)

// TestGeneratedUpToDate fails when capi.go or capi_wrap.c is not what SWIG
// makes from the current bindings/*.i and headers, so an interface change
// cannot land without its regenerated wrappers.
func TestGeneratedUpToDate(t *testing.T) {
	out, err := exec.Command("go", "run", "./gen", "-check").CombinedOutput()
	if err != nil {
		t.Fatalf("regenerating the SWIG wrappers gives a different result (needs swig and pkg-config): %v\n%s", err, out)
	}
}
