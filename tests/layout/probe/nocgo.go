//go:build !cgo

package main

func cCalls() int { return 0 }
