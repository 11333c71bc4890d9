package colonies

import (
	"syscall"
	"testing"
)

// BenchmarkGetProcess measures get_process round trips, with the context
// switches and the CPU time of the process per call (bench/bench_client
// prints the same for C):
//
//	go test -run '^$' -bench GetProcess -benchtime 3s .
func BenchmarkGetProcess(b *testing.B) {
	f := newFixture(b)
	p := f.submit(b, "echo")
	var before, after syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &before)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := f.c.GetProcess(f.ctx, p.ID, f.executorKey); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	syscall.Getrusage(syscall.RUSAGE_SELF, &after)
	switches := (after.Nvcsw - before.Nvcsw) + (after.Nivcsw - before.Nivcsw)
	cpu := (after.Utime.Nano() - before.Utime.Nano()) + (after.Stime.Nano() - before.Stime.Nano())
	b.ReportMetric(float64(switches)/float64(b.N), "ctxsw/op")
	b.ReportMetric(float64(cpu)/1e3/float64(b.N), "cpu-us/op")
}
