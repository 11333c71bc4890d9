// Command compareworker is the upstream Go SDK's side of bench/compare
// (github.com/colonyos/colonies/pkg/client at the server's version): it
// measures one thing and prints it as one JSON line (the commands of
// bench/compare/worker.py).
//
//	compareworker sign N            µs per signature and per recovery
//	compareworker rpc IDS           GetProcess of each id, one after another
//	compareworker inflight K IDS    the same with K goroutines sharing one client
//	compareworker wait N            close -> a waiter's return, p50 and p99 in ms
//	compareworker cycles E N        N submit -> assign -> close cycles, E executor goroutines
//
// CPU is the whole process's (every thread's), from getrusage, around the
// measured calls only.
package main

import (
	"encoding/json"
	"fmt"
	"os"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/colonyos/colonies/pkg/client"
	"github.com/colonyos/colonies/pkg/core"
	"github.com/colonyos/colonies/pkg/security/crypto"
)

const msg = "eyJtc2d0eXBlIjoiZ2V0cHJvY2Vzc21zZyIsInByb2Nlc3NpZCI6IjEyMzQ1Njc4OTAxMjM0NTY3ODkwIn0="

func cpu() float64 {
	var r syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &r)
	return float64(r.Utime.Sec+r.Stime.Sec) + float64(r.Utime.Usec+r.Stime.Usec)/1e6
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "compareworker:", err)
	os.Exit(1)
}

func ids(path string) []string {
	b, err := os.ReadFile(path)
	if err != nil {
		fail(err)
	}
	return strings.Fields(string(b))
}

func out(v map[string]any) {
	b, _ := json.Marshal(v)
	fmt.Println(string(b))
}

func percentiles(ms []float64) map[string]any {
	sort.Float64s(ms)
	p99 := int(float64(len(ms)) * 0.99)
	if p99 >= len(ms) {
		p99 = len(ms) - 1
	}
	return map[string]any{"p50_ms": ms[len(ms)/2], "p99_ms": ms[p99]}
}

func main() {
	if len(os.Args) < 3 {
		fmt.Fprintln(os.Stderr, "usage: compareworker sign N | rpc IDS | inflight K IDS")
		os.Exit(2)
	}
	key := os.Getenv("COLONIES_PRVKEY")
	switch os.Args[1] {
	case "sign":
		n, _ := strconv.Atoi(os.Args[2])
		msgs := make([][]byte, n)
		for i := range msgs {
			msgs[i] = []byte(msg + strconv.Itoa(i))
		}
		sigs := make([]string, n)
		cr := crypto.CreateCrypto()
		for _, m := range msgs[:min(n, 20)] { // warm up, untimed
			cr.GenerateSignature(string(m)+"w", key)
		}
		t0 := time.Now()
		for i, m := range msgs {
			s, err := cr.GenerateSignature(string(m), key)
			if err != nil {
				fail(err)
			}
			sigs[i] = s
		}
		sign := time.Since(t0).Seconds() / float64(n) * 1e6
		t0 = time.Now()
		for i, m := range msgs {
			if _, err := cr.RecoverID(string(m), sigs[i]); err != nil {
				fail(err)
			}
		}
		out(map[string]any{"sign_us": sign, "recover_us": time.Since(t0).Seconds() / float64(n) * 1e6})
	case "rpc", "inflight":
		k, path := 1, os.Args[2]
		if os.Args[1] == "inflight" {
			k, _ = strconv.Atoi(os.Args[2])
			path = os.Args[3]
		}
		all := ids(path)
		port, _ := strconv.Atoi(os.Getenv("COLONIES_SERVER_PORT"))
		c := client.CreateColoniesClient(os.Getenv("COLONIES_SERVER_HOST"), port, true, false)
		if _, err := c.GetProcess(all[0], key); err != nil {
			fail(err)
		}
		todo := make(chan string, len(all))
		for _, id := range all[1:] {
			todo <- id
		}
		close(todo)
		var wg sync.WaitGroup
		c0, t0 := cpu(), time.Now()
		for i := 0; i < k; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for id := range todo {
					if _, err := c.GetProcess(id, key); err != nil {
						fail(err)
					}
				}
			}()
		}
		wg.Wait()
		wall, used := time.Since(t0).Seconds(), cpu()-c0
		n := float64(len(all) - 1)
		out(map[string]any{"calls": len(all) - 1, "cpu_us_per_call": used / n * 1e6, "calls_per_s": n / wall})
	case "wait":
		// The Go SDK has no wait of its own: its subscription to the process's
		// end, as its users write a wait.
		n, _ := strconv.Atoi(os.Args[2])
		port, _ := strconv.Atoi(os.Getenv("COLONIES_SERVER_PORT"))
		c := client.CreateColoniesClient(os.Getenv("COLONIES_SERVER_HOST"), port, true, false)
		wkey, wtype, colony := os.Getenv("BENCH_EXECUTOR_KEY"), os.Getenv("BENCH_EXECUTOR_TYPE"), os.Getenv("COLONIES_COLONY_NAME")
		ms := make([]float64, 0, n)
		for i := 0; i < n; i++ {
			spec := core.CreateEmptyFunctionSpec()
			spec.FuncName = "echo"
			spec.Args = []interface{}{i}
			spec.Conditions.ColonyName = colony
			spec.Conditions.ExecutorType = wtype
			spec.MaxExecTime, spec.MaxWaitTime, spec.MaxRetries = -1, -1, -1
			p, err := c.Submit(spec, wkey)
			if err != nil {
				fail(err)
			}
			returned := make(chan time.Time, 1)
			go func() {
				sub, err := c.SubscribeProcess(colony, p.ID, wtype, core.SUCCESS, 10, wkey)
				if err != nil {
					fail(err)
				}
				select {
				case <-sub.ProcessChan:
				case err := <-sub.ErrChan:
					fail(err)
				}
				returned <- time.Now()
			}()
			time.Sleep(50 * time.Millisecond) // the waiter is waiting by now
			a, err := c.Assign(colony, 5, "", "", wkey)
			if err != nil {
				fail(err)
			}
			sent := time.Now()
			if err := c.CloseWithOutput(a.ID, []interface{}{i}, wkey); err != nil {
				fail(err)
			}
			ms = append(ms, (<-returned).Sub(sent).Seconds()*1000)
		}
		out(percentiles(ms))
	case "cycles":
		e, _ := strconv.Atoi(os.Args[2])
		n, _ := strconv.Atoi(os.Args[3])
		port, _ := strconv.Atoi(os.Getenv("COLONIES_SERVER_PORT"))
		c := client.CreateColoniesClient(os.Getenv("COLONIES_SERVER_HOST"), port, true, false)
		key, etype, colony := os.Getenv("BENCH_EXECUTOR_KEY"), os.Getenv("BENCH_EXECUTOR_TYPE"), os.Getenv("COLONIES_COLONY_NAME")
		if _, err := c.GetColonyByName(colony, key); err != nil { // the connection, before the clock
			fail(err)
		}
		var mu sync.Mutex
		closed := 0
		var wall, used float64
		var wg sync.WaitGroup
		c0, t0 := cpu(), time.Now()
		for i := 0; i < e; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for {
					mu.Lock()
					finished := closed >= n
					mu.Unlock()
					if finished {
						return
					}
					p, err := c.Assign(colony, 1, "", "", key)
					if err != nil {
						continue // nothing to assign within the second: look again
					}
					if err := c.CloseWithOutput(p.ID, p.FunctionSpec.Args, key); err != nil {
						fail(err)
					}
					mu.Lock()
					closed++
					if closed == n {
						wall, used = time.Since(t0).Seconds(), cpu()-c0
					}
					mu.Unlock()
				}
			}()
		}
		for i := 0; i < n; i++ {
			spec := core.CreateEmptyFunctionSpec()
			spec.FuncName = "echo"
			spec.Args = []interface{}{i}
			spec.Conditions.ColonyName = colony
			spec.Conditions.ExecutorType = etype
			spec.MaxExecTime, spec.MaxWaitTime, spec.MaxRetries = -1, -1, -1
			if _, err := c.Submit(spec, key); err != nil {
				fail(err)
			}
		}
		wg.Wait()
		out(map[string]any{"cycles": n, "cycles_per_s": float64(n) / wall, "cpu_us_per_cycle": used / float64(n) * 1e6})
	default:
		fail(fmt.Errorf("unknown measure %s", os.Args[1]))
	}
}
