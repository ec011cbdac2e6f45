// refprog — the reference program tools/layoutgen builds with each Go toolchain. It exists only so
// that the linker emits DWARF for every type gopsy needs: the runtime's own types are always
// there (runtime globals reference them), but a few come only from packages that use them
// (context.timerCtx, time.Timer, runtime.timeTimer via time.NewTimer). Standard library only; it
// is never run by the generator.
package main

import (
	"context"
	"fmt"
	"os"
	"runtime"
	"sync"
	"time"
)

func main() {
	ctx, cancel := context.WithTimeout(context.Background(), time.Hour)
	defer cancel()
	t := time.NewTimer(time.Hour)
	defer t.Stop()
	tick := time.NewTicker(time.Hour)
	defer tick.Stop()
	time.AfterFunc(time.Hour, func() { fmt.Println("late") })
	var mu sync.Mutex
	var wg sync.WaitGroup
	ch := make(chan int, 1)
	wg.Add(1)
	go func() {
		defer wg.Done()
		mu.Lock()
		ch <- runtime.NumGoroutine()
		mu.Unlock()
	}()
	select {
	case <-ctx.Done():
	case <-t.C:
	case <-tick.C:
	case v := <-ch:
		fmt.Fprintln(os.Stderr, v)
	}
	wg.Wait()
	// sync.RWMutex and sync.Cond (with runtime.notifyList) for the semaphore readers.
	var rw sync.RWMutex
	rw.RLock()
	rw.RUnlock()
	c := sync.NewCond(&rw)
	c.Broadcast()
}
