package faults

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/linkline/linkline/internal/bench"
)

// cluster is the instances of the run on one database. Instance 0 is never
// killed: it is the survivor whose goroutines and files are checked.
type cluster struct {
	exe  string
	db   *bench.Database
	args []string

	mu        sync.Mutex
	instances []*bench.Server
	clients   []*bench.Client
	// down marks an instance killed and not yet restarted.
	down []bool
}

func startCluster(ctx context.Context, exe string, db *bench.Database, n int, args []string) (*cluster, error) {
	c := &cluster{exe: exe, db: db, args: args}
	for i := range n {
		// The first one migrates the database and seeds the demo account.
		s, err := bench.StartLinkline(ctx, exe, db, i == 0, args...)
		if err != nil {
			_ = c.stop() // the start failure is the error to report
			return nil, fmt.Errorf("faults: start instance %d: %w", i, err)
		}
		c.instances = append(c.instances, s)
		c.clients = append(c.clients, bench.NewClient(s.URL(), 16))
		c.down = append(c.down, false)
	}
	return c, nil
}

// pick is the k-th live instance and its client, round robin, as a load
// balancer would choose.
func (c *cluster) pick(k int) (*bench.Client, *bench.Server) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for i := range c.instances {
		j := (k + i) % len(c.instances)
		if !c.down[j] {
			return c.clients[j], c.instances[j]
		}
	}
	// Unreachable: instance 0 is never down.
	return c.clients[0], c.instances[0]
}

// survivor is the instance that is never killed.
func (c *cluster) survivor() *bench.Server {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.instances[0]
}

// crash kills instance i with SIGKILL and starts it again on the same
// database, on a new port as a replaced machine would be.
func (c *cluster) crash(ctx context.Context, i int) error {
	c.mu.Lock()
	victim := c.instances[i]
	c.down[i] = true
	c.mu.Unlock()
	victim.Kill()
	s, err := bench.StartLinkline(ctx, c.exe, c.db, false, c.args...)
	if err != nil {
		return fmt.Errorf("faults: restart instance %d: %w", i, err)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.instances[i], c.clients[i], c.down[i] = s, bench.NewClient(s.URL(), 16), false
	return nil
}

// stop shuts every instance down gracefully.
func (c *cluster) stop() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	var errs []error
	for _, s := range c.instances {
		errs = append(errs, s.Stop())
	}
	return errors.Join(errs...)
}

// closeIdle drops the clients' kept connections, so that the instances
// hold none for them.
func (c *cluster) closeIdle() {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, cl := range c.clients {
		cl.CloseIdle()
	}
}
