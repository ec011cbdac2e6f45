module gopsy/tests/inlchain

go 1.21
