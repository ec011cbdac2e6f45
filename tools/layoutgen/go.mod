module gopsy/tools/layoutgen

go 1.19
