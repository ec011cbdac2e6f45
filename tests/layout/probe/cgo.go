//go:build cgo

package main

/*
static int probe_twice(int x) { return 2 * x; }
*/
import "C"

// cCalls makes the cgo build link C code (and C compile units into the DWARF).
func cCalls() int { return int(C.probe_twice(1)) }
