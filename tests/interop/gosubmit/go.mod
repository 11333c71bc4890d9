module github.com/colonyos/libcolonies/tests/interop/gosubmit

go 1.22

require github.com/colonyos/libcolonies/go v0.0.0

// The module of this checkout.
replace github.com/colonyos/libcolonies/go => ../../../go
