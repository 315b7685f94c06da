package faults

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/linkline/linkline/graph/relay"
	"github.com/linkline/linkline/internal/bench"
)

// store reads what the service stored, to check it against what the
// clients were told. A pool, since it reconnects after the database
// restarts.
type store struct{ conn *pgxpool.Pool }

func openStore(ctx context.Context, url string) (*store, error) {
	conn, err := pgxpool.New(ctx, url)
	if err != nil {
		return nil, fmt.Errorf("faults: database: %w", err)
	}
	return &store{conn: conn}, nil
}

func (s *store) close() { s.conn.Close() }

// lastMessage is the largest message id, of one conversation (0: of all).
func (s *store) lastMessage(ctx context.Context, conv int64) (int64, error) {
	var id int64
	err := s.conn.QueryRow(ctx, `SELECT coalesce(max(id), 0) FROM messages WHERE $1 = 0 OR conversation_id = $1`, conv).Scan(&id)
	return id, err
}

// messagesAfter are the ids of the messages after from, of one
// conversation (0: of all).
func (s *store) messagesAfter(ctx context.Context, conv, from int64) ([]int64, error) {
	rows, err := s.conn.Query(ctx, `SELECT id FROM messages WHERE id > $2 AND ($1 = 0 OR conversation_id = $1)`, conv, from)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, pgx.RowTo[int64])
}

// counts is how many messages carry each value of column.
func (s *store) counts(ctx context.Context, column string) (map[string]int, error) {
	rows, err := s.conn.Query(ctx, `SELECT `+column+`, count(*) FROM messages WHERE `+column+` <> '' GROUP BY 1`)
	if err != nil {
		return nil, err
	}
	out := map[string]int{}
	var k string
	var n int
	_, err = pgx.ForEachRow(rows, []any{&k, &n}, func() error { out[k] = n; return nil })
	return out, err
}

// unanswered counts the attempts whose answer never came back although
// their process lived on to say so: a send that timed out once its
// request had left may have reached the phone, like one cut by a crash.
func (s *store) unanswered(ctx context.Context) (int, error) {
	var n int
	err := s.conn.QueryRow(ctx, `SELECT count(*) FROM message_sends WHERE ended_at IS NULL AND error <> ''`).Scan(&n)
	return n, err
}

// states is each reply's delivery state, by client message id; one not
// final also names its delivery job's state, attempts and next run, to
// tell where it waits.
func (s *store) states(ctx context.Context) (map[string]string, error) {
	rows, err := s.conn.Query(ctx, `SELECT m.client_message_id, m.delivery_state ||
		CASE WHEN m.delivery_state = 'QUEUED' THEN coalesce((SELECT format(' (job %s, attempt %s, next run in %ss)', j.state, j.attempt,
			round(extract(epoch FROM j.scheduled_at - now()))) FROM river_job j
			WHERE j.kind = 'deliver_message' AND (j.args->>'message_id')::bigint = m.id ORDER BY j.id DESC LIMIT 1), ' (no job)') ELSE '' END
		FROM messages m WHERE m.author_role = 'AGENT' AND m.client_message_id <> ''`)
	if err != nil {
		return nil, err
	}
	out := map[string]string{}
	var k, v string
	_, err = pgx.ForEachRow(rows, []any{&k, &v}, func() error { out[k] = v; return nil })
	return out, err
}

// sentTwice is the replies recorded with more than one attempt that may
// have reached the phone: one the platform gave an id, or one whose
// outcome is unknown (its process died, the database went away before the
// id was written, or the platform's answer never came). These are the
// duplicates the service can detect.
func (s *store) sentTwice(ctx context.Context) (map[string]int, error) {
	rows, err := s.conn.Query(ctx, `SELECT m.text, count(*) FROM message_sends s
		JOIN messages m ON m.id = s.message_id WHERE s.external_id <> '' OR s.ended_at IS NULL GROUP BY 1 HAVING count(*) > 1`)
	if err != nil {
		return nil, err
	}
	out := map[string]int{}
	var k string
	var n int
	_, err = pgx.ForEachRow(rows, []any{&k, &n}, func() error { out[k] = n; return nil })
	return out, err
}

// convID is a conversation's database id.
func convID(gid string) int64 {
	_, id, _ := relay.Parse(gid)
	return id
}

// final tells the delivery states a reply ends in (R17).
func final(state string) bool {
	return state == "SENT" || state == "DELIVERED" || state == "READ" || state == "FAILED"
}

// snapshot is what the database holds once the service caught up.
type snapshot struct {
	byClientID, byExternalID map[string]int
	states                   map[string]string
	sentTwice                map[string]int
	unanswered               int
	// want is each stream's messages.
	want map[*stream][]int64
}

// take reads a snapshot, and tells whether the service has caught up:
// every acknowledged message stored, every reply final, every stream
// given every message.
func take(ctx context.Context, st *store, o *ops, streams []*stream) (snapshot, bool, error) {
	var s snapshot
	var err error
	if s.byClientID, err = st.counts(ctx, "client_message_id"); err != nil {
		return s, false, err
	}
	if s.byExternalID, err = st.counts(ctx, "external_id"); err != nil {
		return s, false, err
	}
	if s.states, err = st.states(ctx); err != nil {
		return s, false, err
	}
	if s.sentTwice, err = st.sentTwice(ctx); err != nil {
		return s, false, err
	}
	if s.unanswered, err = st.unanswered(ctx); err != nil {
		return s, false, err
	}
	s.want = map[*stream][]int64{}
	caught := true
	for _, str := range streams {
		var conv int64
		if id, ok := str.vars["id"].(string); ok {
			conv = convID(id)
		}
		if s.want[str], err = st.messagesAfter(ctx, conv, str.from); err != nil {
			return s, false, err
		}
		caught = caught && str.missing(s.want[str]) == 0
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	for cid := range o.sends {
		caught = caught && s.byClientID[cid] > 0
	}
	for cid := range o.replies {
		caught = caught && s.byClientID[cid] > 0 && final(s.states[cid])
	}
	for wamid := range o.inbound {
		caught = caught && s.byExternalID[wamid] > 0
	}
	return s, caught, nil
}

// check waits until the service caught up (or ctx ends), then judges the
// invariants on what it stored and what the clients saw. It reports
// whether the service caught up: if not, the verdicts are on the last
// snapshot read, and say what was still missing then.
func check(ctx context.Context, st *store, o *ops, g *graph, streams []*stream, crashes int) ([]Verdict, bool) {
	var s snapshot
	var read error
	for {
		// Connections cut by a database restart fail once: read again.
		next, caught, err := take(ctx, st, o, streams)
		if err == nil {
			s, read = next, nil
		} else if ctx.Err() == nil {
			read = err
		}
		if caught {
			return judge(s, o, g, streams, crashes), true
		}
		select {
		case <-ctx.Done():
			if read != nil || s.states == nil {
				return []Verdict{{Name: "the database could be read", Detail: fmt.Sprint(read)}}, false
			}
			return judge(s, o, g, streams, crashes), false
		case <-time.After(250 * time.Millisecond):
		}
	}
}

// judge holds a snapshot against what the clients were told and saw.
func judge(s snapshot, o *ops, g *graph, streams []*stream, crashes int) []Verdict {
	o.mu.Lock()
	defer o.mu.Unlock()

	var lost, twice []string
	for _, set := range []struct {
		ids   map[string]bool
		count map[string]int
	}{{o.sends, s.byClientID}, {o.replies, s.byClientID}, {o.inbound, s.byExternalID}} {
		for id := range set.ids {
			switch set.count[id] {
			case 0:
				lost = append(lost, id)
			case 1:
			default:
				twice = append(twice, id)
			}
		}
	}
	total := len(o.sends) + len(o.replies) + len(o.inbound)
	once := Verdict{Name: "every acknowledged message stored exactly once", Held: len(lost)+len(twice) == 0,
		Detail: fmt.Sprintf("%d messages, %d lost %s, %d stored twice %s", total, len(lost), some(lost), len(twice), some(twice))}

	var waiting []string
	for cid := range o.replies {
		if !final(s.states[cid]) {
			waiting = append(waiting, cid)
		}
	}
	// In the order written, by conversation: the first of each is the one
	// that holds the others back (R34).
	slices.SortFunc(waiting, func(a, b string) int {
		pa, na, _ := strings.Cut(a, "-")
		pb, nb, _ := strings.Cut(b, "-")
		ia, _ := strconv.Atoi(na)
		ib, _ := strconv.Atoi(nb)
		return cmp.Or(strings.Compare(pa, pb), ia-ib)
	})
	open := make([]string, len(waiting))
	for i, cid := range waiting {
		open[i] = cid + "=" + s.states[cid]
	}
	finals := Verdict{Name: "every reply in a final state", Held: len(open) == 0,
		Detail: fmt.Sprintf("%d replies, %d not final %s", len(o.replies), len(open), some(open))}

	// A copy the phone got twice must be one the service recorded twice.
	dups, hidden := 0, []string{}
	for text, n := range g.copies() {
		if n < 2 {
			continue
		}
		dups += n - 1
		if s.sentTwice[text] < n {
			hidden = append(hidden, text)
		}
	}
	// A send whose answer never came is a fault of its own: under load
	// the Graph API may accept a send after the service stopped waiting.
	dup := Verdict{Name: "reply duplicates at most one per crash or unanswered send, each detectable",
		Held: dups <= crashes+s.unanswered && len(hidden) == 0,
		Detail: fmt.Sprintf("%d duplicates at the phones, %d crashes, %d sends unanswered, %d recorded twice in message_sends, %d undetected %s",
			dups, crashes, s.unanswered, len(s.sentTwice), len(hidden), some(hidden))}

	var bad []string
	events := 0
	for _, str := range streams {
		if b := str.broken(); b != "" {
			bad = append(bad, b)
		}
		if n := str.missing(s.want[str]); n > 0 {
			bad = append(bad, fmt.Sprintf("%s: %d messages missing", str.name, n))
		}
		events += len(s.want[str])
	}
	gapless := Verdict{Name: "every subscriber's stream without gap, duplicate or reordering", Held: len(bad) == 0,
		Detail: fmt.Sprintf("%d streams, %d messages expected; %s", len(streams), events, strings.Join(bad, "; "))}
	return []Verdict{once, finals, dup, gapless}
}

// some names a few of ids.
func some(ids []string) string {
	if len(ids) == 0 {
		return ""
	}
	return "(" + strings.Join(ids[:min(5, len(ids))], " ") + ")"
}

// resources are a process's goroutines and open files.
type resources struct{ goroutines, files float64 }

func usage(ctx context.Context, s *bench.Server) (resources, error) {
	g, err := s.Metric(ctx, "go_goroutines")
	if err != nil {
		return resources{}, err
	}
	f, err := s.Metric(ctx, "process_open_fds")
	return resources{g, f}, err
}

// slack is what the survivor may hold above its baseline once the run is
// over: its database pool may have grown to its bound of 10 connections
// (serverArgs), each a file, while the baseline was taken at rest; runs
// here ended 7 to 10 goroutines and 7 to 9 files above it. And when the
// instance killed led River's maintenance, the survivor takes the lead,
// which runs about 15 goroutines more (a run ended 18 above, all of them
// River's leader's). A leak per socket, request or job grows with the
// load, far past it.
var slack = resources{goroutines: 30, files: 10}

// backToBaseline waits until the survivor's goroutines and open files are
// back to base, within slack, or ctx ends.
func backToBaseline(ctx context.Context, s *bench.Server, base resources) Verdict {
	v := Verdict{Name: "the surviving instance's goroutines and open files back to baseline"}
	for {
		now, err := usage(ctx, s)
		if err == nil {
			v.Held = now.goroutines <= base.goroutines+slack.goroutines && now.files <= base.files+slack.files
			v.Detail = fmt.Sprintf("goroutines %.0f before, %.0f after; open files %.0f before, %.0f after", base.goroutines, now.goroutines, base.files, now.files)
		} else {
			v.Detail = err.Error()
		}
		if v.Held {
			return v
		}
		select {
		case <-ctx.Done():
			if file, err := goroutines(s); err == nil {
				v.Detail += "; its goroutines are in " + file
			}
			return v
		case <-time.After(250 * time.Millisecond):
		}
	}
}

// goroutines writes the server's goroutines, grouped by stack, to a
// file of its own, and names it: what did not end is the leak to find.
func goroutines(s *bench.Server) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, s.DebugURL()+"/debug/pprof/goroutine?debug=1", nil)
	if err != nil {
		return "", err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return "", err
	}
	defer func() { _ = resp.Body.Close() }()
	f, err := os.CreateTemp("", "linkline-faults-goroutines-*.txt")
	if err != nil {
		return "", err
	}
	_, err = io.Copy(f, resp.Body)
	return f.Name(), errors.Join(err, f.Close())
}

// printReport prints the summary and one machine-readable line.
func printReport(out io.Writer, r Report) {
	fmt.Fprintf(out, "operations: %d widget sends, %d agent replies, %d inbound webhook messages acknowledged; %d webhooks posted twice on purpose; %d attempts failed and were retried; %d subscriber resumptions by cursor\n",
		r.WidgetSends, r.Replies, r.Inbound, r.WebhookDuplicates, r.Retries, r.Resumptions)
	fmt.Fprintf(out, "faults: %d kill -9 (and restart), %d PostgreSQL restarts, %d Graph API 503 bursts (%d sends refused), %d Graph API timeout bursts (%d sends held past the timeout)\n",
		r.Kills, r.DatabaseRestarts, r.Graph503Bursts, r.Graph503s, r.GraphTimeoutBursts, r.GraphTimeouts)
	if r.CaughtUp {
		fmt.Fprintf(out, "checked %s after the load ended, once the service had caught up\n", r.Checked.Round(100*time.Millisecond))
	} else {
		fmt.Fprintf(out, "checked %s after the load ended: the service had not caught up by then\n", r.Checked.Round(100*time.Millisecond))
	}
	held := 0
	for _, v := range r.Invariants {
		verdict := "BROKEN"
		if v.Held {
			verdict, held = "held", held+1
		}
		fmt.Fprintf(out, "%s: %s (%s)\n", verdict, v.Name, v.Detail)
	}
	fmt.Fprintf(out, "faults: ops=%d kills=%d pg_restarts=%d graph_503=%d graph_timeouts=%d invariants_held=%d/%d\n",
		r.WidgetSends+r.Replies+r.Inbound, r.Kills, r.DatabaseRestarts, r.Graph503s, r.GraphTimeouts, held, len(r.Invariants))
}
