// Program whose crash dumps are the test data of tests/e2e/test_*.py (see ../capture.py).
// It is not a fixture: it only has to produce small, varied, real runtime tracebacks.
package main

/*
#include <stddef.h>
static void crash_in_c(void) { volatile int *p = NULL; *p = 1; }
*/
import "C"

import (
	"context"
	"errors"
	"fmt"
	"os"
	"runtime"
	"runtime/debug"
	"runtime/pprof"
	"sync"
	"time"
)

type T struct{ x int }

var (
	mu    sync.Mutex
	block = make(chan int)
)

func blockChan(c chan int) { <-c }
func sleeper()            { time.Sleep(time.Hour) }
func locker()             { mu.Lock() }

//go:noinline
func generic[X any](x X, c chan X) { <-c }

func spin() {
	for {
	}
}

//go:noinline
func rec(n int) int {
	if n == 0 {
		var t *T
		return t.x
	}
	return rec(n-1) + 1
}

//go:noinline
func overflow(n int) int {
	var pad [16]int
	pad[n%16] = n
	return overflow(n+1) + pad[(n+1)%16]
}

func common() {
	mu.Lock()
	go blockChan(block)
	go sleeper()
	go locker()
	go func() { generic(1, block) }()
	go func() { runtime.LockOSThread(); <-block }()
	pprof.Do(context.Background(), pprof.Labels("k", "v"), func(context.Context) {
		go blockChan(block)
	})
	time.Sleep(100 * time.Millisecond)
}

func main() {
	common()
	switch os.Args[1] {
	case "nil":
		var t *T
		fmt.Println(t.x)
	case "deep":
		fmt.Println(rec(120))
	case "repanic":
		defer func() {
			r := recover()
			panic(fmt.Sprint("again: ", r))
		}()
		panic(errors.New("first"))
	case "sigquit":
		go spin()
		time.Sleep(50 * time.Millisecond)
		os.Stdout.WriteString("gopsy-fixture: ready\n")
		select {}
	case "overflow":
		debug.SetMaxStack(1 << 20)
		fmt.Println(overflow(0))
	case "cgo":
		C.crash_in_c()
	}
}
