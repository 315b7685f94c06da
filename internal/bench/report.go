package bench

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
)

// column is one figure of the results table.
type column struct {
	name   string
	format string
	value  func(runResult) float64
}

func columns(agentFeed bool) []column {
	cols := []column{
		{"sent", "%.0f", func(r runResult) float64 { return float64(r.sent) }},
		{"secs", "%.2f", func(r runResult) float64 { return r.elapsed.Seconds() }},
		{"msgs/s", "%.0f", func(r runResult) float64 { return r.rate }},
		{"send_p50_ms", "%.2f", func(r runResult) float64 { return ms(r.answer.p50) }},
		{"send_p99_ms", "%.2f", func(r runResult) float64 { return ms(r.answer.p99) }},
		{"p50_ms", "%.2f", func(r runResult) float64 { return ms(r.widget.p50) }},
		{"p99_ms", "%.2f", func(r runResult) float64 { return ms(r.widget.p99) }},
		{"max_ms", "%.2f", func(r runResult) float64 { return ms(r.widget.max) }},
	}
	if agentFeed {
		cols = append(cols,
			column{"agent_p50_ms", "%.2f", func(r runResult) float64 { return ms(r.agent.p50) }},
			column{"agent_p99_ms", "%.2f", func(r runResult) float64 { return ms(r.agent.p99) }},
		)
	}
	return append(cols,
		column{"server_cpu%", "%.0f", func(r runResult) float64 { return r.serverCPU }},
		column{"bench_cpu%", "%.0f", func(r runResult) float64 { return r.benchCPU }},
		column{"machine_busy%", "%.0f", func(r runResult) float64 { return r.machineBusy }},
	)
}

// medians are the figures of the final machine-readable line.
type medians struct{ rate, p50, p99 float64 }

// printResults prints one row per run and a row of medians, and returns
// the medians.
func printResults(out io.Writer, results []runResult, agentFeed bool) medians {
	cols := columns(agentFeed)
	tw := tabwriter.NewWriter(out, 0, 0, 2, ' ', tabwriter.AlignRight)
	names := make([]string, len(cols))
	for i, c := range cols {
		names[i] = c.name
	}
	fmt.Fprintf(tw, "run\t%s\t\n", strings.Join(names, "\t"))
	for i, r := range results {
		fmt.Fprintf(tw, "%d\t", i+1)
		for _, c := range cols {
			fmt.Fprintf(tw, c.format+"\t", c.value(r))
		}
		fmt.Fprintln(tw)
	}
	fmt.Fprint(tw, "median\t")
	for _, c := range cols {
		fmt.Fprintf(tw, c.format+"\t", medianOf(results, c.value))
	}
	fmt.Fprintln(tw)
	_ = tw.Flush()
	fmt.Fprintln(out, "send_*: sendMessage round trip (answered = committed); p50/p99/max: send to the frame at the widget's socket;")
	if agentFeed {
		fmt.Fprintln(out, "agent_*: send to the frame on the agent's account feed;")
	}
	fmt.Fprintln(out, "cpu: percent of one CPU, machine_busy: of all CPUs (database included), from the first send to the last delivery.")
	return medians{
		rate: medianOf(results, func(r runResult) float64 { return r.rate }),
		p50:  medianOf(results, func(r runResult) float64 { return ms(r.widget.p50) }),
		p99:  medianOf(results, func(r runResult) float64 { return ms(r.widget.p99) }),
	}
}

func medianOf(results []runResult, value func(runResult) float64) float64 {
	xs := make([]float64, len(results))
	for i, r := range results {
		xs[i] = value(r)
	}
	return median(xs)
}
