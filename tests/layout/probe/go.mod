module gopsy/tests/layout/probe

go 1.19
