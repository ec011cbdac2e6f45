// probe — a fixture-like program for tests/layout/check.sh: the check builds it with every Go
// toolchain in several modes (default, PIE, cgo with external linking) and compares the DWARF of
// each build with gopsy's built-in layout tables. It is deliberately not the program the tables
// were generated from (tools/layoutgen/refprog), and it is never run.
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"sync"
	"time"
)

type job struct {
	id   int
	done chan error
}

func worker(ctx context.Context, jobs <-chan job, wg *sync.WaitGroup) {
	defer wg.Done()
	for {
		select {
		case <-ctx.Done():
			return
		case j := <-jobs:
			t := time.NewTimer(time.Millisecond)
			select {
			case <-t.C:
				j.done <- nil
			case <-ctx.Done():
				t.Stop()
				j.done <- errors.New("cancelled")
			}
		}
	}
}

func main() {
	ctx, cancel := context.WithDeadline(context.Background(), time.Now().Add(time.Minute))
	defer cancel()
	jobs := make(chan job)
	var wg sync.WaitGroup
	for i := 0; i < 4; i++ {
		wg.Add(1)
		go worker(ctx, jobs, &wg)
	}
	var mu sync.RWMutex
	results := map[int]error{}
	for i := 0; i < 8; i++ {
		j := job{id: i, done: make(chan error, 1)}
		jobs <- j
		mu.Lock()
		results[j.id] = <-j.done
		mu.Unlock()
	}
	defer func() {
		if r := recover(); r != nil {
			fmt.Fprintln(os.Stderr, "recovered:", r)
		}
	}()
	cancel()
	wg.Wait()
	mu.RLock()
	fmt.Println(len(results), cCalls())
	mu.RUnlock()
	sync.NewCond(mu.RLocker()).Broadcast() // sync.Cond, runtime.notifyList
}
