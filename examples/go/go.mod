module github.com/colonyos/libcolonies/examples/go

go 1.22

require github.com/colonyos/libcolonies/go v0.0.0

// The binding is used from this checkout.
replace github.com/colonyos/libcolonies/go => ../../go
