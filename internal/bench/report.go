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
		{"frames/s", "%.0f", func(r runResult) float64 { return r.delivered }},
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
		column{"KiB/sub", "%.1f", func(r runResult) float64 { return r.rssPerSub }},
		column{"goroutines/sub", "%.2f", func(r runResult) float64 { return r.goroutinesPerSub }},
		column{"server_cpu%", "%.0f", func(r runResult) float64 { return r.serverCPU }},
		column{"bench_cpu%", "%.0f", func(r runResult) float64 { return r.benchCPU }},
		column{"machine_busy%", "%.0f", func(r runResult) float64 { return r.machineBusy }},
	)
}

// medians are one target's figures in the comparison.
type medians struct{ rate, delivered, p50, p99, kib, goroutines float64 }

func mediansOf(results []runResult) medians {
	return medians{
		rate:       medianOf(results, func(r runResult) float64 { return r.rate }),
		delivered:  medianOf(results, func(r runResult) float64 { return r.delivered }),
		p50:        medianOf(results, func(r runResult) float64 { return ms(r.widget.p50) }),
		p99:        medianOf(results, func(r runResult) float64 { return ms(r.widget.p99) }),
		kib:        medianOf(results, func(r runResult) float64 { return r.rssPerSub }),
		goroutines: medianOf(results, func(r runResult) float64 { return r.goroutinesPerSub }),
	}
}

// printReport prints each target's runs, then the comparison of their
// medians, then one machine-readable line per target.
func printReport(out io.Writer, cfg config, targets []target, results [][]runResult) {
	for i, t := range targets {
		fmt.Fprintf(out, "\n%s: %s\n", t.name, t.acknowledges())
		printRuns(out, results[i], cfg.agentFeed)
	}
	fmt.Fprintln(out, "\nsend_*: sendMessage round trip; p50/p99/max: send to the frame at the widget's socket; frames/s: widget frames from the first send to the last frame;")
	if cfg.agentFeed {
		fmt.Fprintln(out, "agent_*: send to the frame on the agent's account feed;")
	}
	fmt.Fprintln(out, "KiB/sub, goroutines/sub: server RSS and goroutine growth per idle widget subscription (one socket each); cpu: percent of one CPU, machine_busy: of all CPUs (database included), from the first send to the last delivery.")

	meds := make([]medians, len(targets))
	for i := range targets {
		meds[i] = mediansOf(results[i])
	}
	fmt.Fprintf(out, "\nmedians of %d runs, %d subscriptions, %d senders, %s:\n", cfg.runs, cfg.subs, cfg.senders, cfg.workload())
	printComparison(out, targets, meds)

	for i, t := range targets {
		m := meds[i]
		fmt.Fprintf(out, "bench: target=%s subs=%d senders=%d runs=%d msgs/s=%.0f frames/s=%.0f p50_ms=%.2f p99_ms=%.2f rss_per_sub_kib=%.1f goroutines_per_sub=%.2f protocol=%s",
			t.name, cfg.subs, cfg.senders, cfg.runs, m.rate, m.delivered, m.p50, m.p99, m.kib, m.goroutines, cfg.protocol)
		if cfg.accounts > 1 && !t.baseline {
			fmt.Fprintf(out, " accounts=%d", cfg.accounts)
		}
		if base, ok := baselineOf(targets, meds); ok && !t.baseline {
			fmt.Fprintf(out, " vs_baseline_msgs=%.2f vs_baseline_p99=%.2f vs_baseline_kib=%.2f vs_baseline_goroutines=%.2f",
				ratio(m.rate, base.rate), ratio(m.p99, base.p99), ratio(m.kib, base.kib), ratio(m.goroutines, base.goroutines))
		}
		fmt.Fprintln(out)
	}
}

// acknowledges says what an answered send means on t.
func (t target) acknowledges() string {
	if t.baseline {
		return "in memory, nothing durable; a send is answered once the subscriptions took it"
	}
	if t.instances > 1 {
		return fmt.Sprintf("%d instances on one database, subscriptions and senders dealt round robin; a send is answered once committed", t.instances)
	}
	return "a send is answered once committed"
}

// printRuns prints one row per run and a row of medians.
func printRuns(out io.Writer, results []runResult, agentFeed bool) {
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
}

// printComparison prints the targets' medians side by side, each with its
// ratio to the baseline's when there is one; a second Linkline target of
// several instances also gets its throughput's ratio to one instance.
func printComparison(out io.Writer, targets []target, meds []medians) {
	base, hasBase := baselineOf(targets, meds)
	tw := tabwriter.NewWriter(out, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "\tmsgs/s\tframes/s\tp50_ms\tp99_ms\tKiB/sub\tgoroutines/sub\t")
	for i, t := range targets {
		m := meds[i]
		cell := func(format string, v, b float64) string {
			s := fmt.Sprintf(format, v)
			if hasBase && !t.baseline {
				s += " (" + times(ratio(v, b)) + ")"
			}
			return s
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t\n", t.name,
			cell("%.0f", m.rate, base.rate), cell("%.0f", m.delivered, base.delivered),
			cell("%.2f", m.p50, base.p50), cell("%.2f", m.p99, base.p99), cell("%.1f", m.kib, base.kib),
			cell("%.2f", m.goroutines, base.goroutines))
	}
	_ = tw.Flush()
	if hasBase {
		fmt.Fprintln(out, "(×: Linkline's median over the baseline's; above 1 is more throughput, or more latency and memory)")
	}
	for i, t := range targets {
		if one, ok := oneInstanceOf(targets, meds); ok && t.instances > 1 {
			fmt.Fprintf(out, "%s: %s the msgs/s and %s the frames/s of one instance\n",
				t.name, times(ratio(meds[i].rate, one.rate)), times(ratio(meds[i].delivered, one.delivered)))
		}
	}
}

// baselineOf is the baseline's medians, if the baseline ran.
func baselineOf(targets []target, meds []medians) (medians, bool) {
	for i, t := range targets {
		if t.baseline {
			return meds[i], true
		}
	}
	return medians{}, false
}

// oneInstanceOf is the medians of Linkline on one instance.
func oneInstanceOf(targets []target, meds []medians) (medians, bool) {
	for i, t := range targets {
		if !t.baseline && t.instances == 1 {
			return meds[i], true
		}
	}
	return medians{}, false
}

// ratio is v over base; 0 when there is no base to divide by.
func ratio(v, base float64) float64 {
	if base == 0 {
		return 0
	}
	return v / base
}

// times writes a ratio as a factor, or "–" for none.
func times(r float64) string {
	if r == 0 {
		return "–"
	}
	return fmt.Sprintf("%.2f×", r)
}

func medianOf(results []runResult, value func(runResult) float64) float64 {
	xs := make([]float64, len(results))
	for i, r := range results {
		xs[i] = value(r)
	}
	return median(xs)
}
