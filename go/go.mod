module github.com/colonyos/libcolonies/go

go 1.22
