module github.com/colonyos/libcolonies/tests/tlsfront

go 1.22
