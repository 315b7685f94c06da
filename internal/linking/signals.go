package linking

import "sync"

// Signals wakes the widgets of an account when its menus may have changed.
// A wake-up carries no data: the widget re-reads its menu, so signals can
// be coalesced and never queue up behind a slow reader.
type Signals struct {
	mu   sync.Mutex
	subs map[int64]map[chan struct{}]struct{}
}

// NewSignals returns an empty signal hub.
func NewSignals() *Signals { return &Signals{subs: map[int64]map[chan struct{}]struct{}{}} }

// Watch returns a channel woken on the account's changes, and a function
// to stop watching.
func (sg *Signals) Watch(accountID int64) (<-chan struct{}, func()) {
	ch := make(chan struct{}, 1)
	sg.mu.Lock()
	if sg.subs[accountID] == nil {
		sg.subs[accountID] = map[chan struct{}]struct{}{}
	}
	sg.subs[accountID][ch] = struct{}{}
	sg.mu.Unlock()
	return ch, func() {
		sg.mu.Lock()
		delete(sg.subs[accountID], ch)
		if len(sg.subs[accountID]) == 0 {
			delete(sg.subs, accountID)
		}
		sg.mu.Unlock()
	}
}

// Wake wakes every watcher of the account.
func (sg *Signals) Wake(accountID int64) {
	sg.mu.Lock()
	defer sg.mu.Unlock()
	for ch := range sg.subs[accountID] {
		select {
		case ch <- struct{}{}:
		default: // already due to re-read
		}
	}
}

// WakeAll wakes every watcher: after the listener reconnected, changes may
// have been missed.
func (sg *Signals) WakeAll() {
	sg.mu.Lock()
	ids := make([]int64, 0, len(sg.subs))
	for id := range sg.subs {
		ids = append(ids, id)
	}
	sg.mu.Unlock()
	for _, id := range ids {
		sg.Wake(id)
	}
}
