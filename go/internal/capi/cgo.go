// Package capi is the SWIG-generated layer over libcolonies' C ABI, made
// from bindings/colonies.i by `go generate` (see gen/). It is internal: the
// package colonies above it reads the per-thread error detail on the same OS
// thread as each call, which these raw wrappers cannot do on their own.
//
// The generated files are committed rather than produced by go build from a
// .swig file, because go vet cannot analyse a package whose cgo input only
// exists in a build's temporary directory once that build is cached.
package capi

//go:generate go run ./gen

// #cgo pkg-config: colonies
import "C"

import "unsafe"

// The wrappers are generated with -intgosize 64; this fails to compile where
// a Go int is not 64 bits wide rather than pass mismatched integers to C.
var _ = [1]struct{}{}[unsafe.Sizeof(int(0))-8]
