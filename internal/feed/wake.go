package feed

import "sync"

// wakes tells the watchers of an account's state (widget menus, link
// requests) when it may have changed. A wake-up carries no data: the
// watcher re-reads the state, so wake-ups coalesce and never queue up
// behind a slow reader.
type wakes struct {
	mu   sync.Mutex
	subs map[int64]map[chan struct{}]struct{}
}

func newWakes() *wakes { return &wakes{subs: map[int64]map[chan struct{}]struct{}{}} }

func (w *wakes) watch(accountID int64) (<-chan struct{}, func()) {
	ch := make(chan struct{}, 1)
	w.mu.Lock()
	if w.subs[accountID] == nil {
		w.subs[accountID] = map[chan struct{}]struct{}{}
	}
	w.subs[accountID][ch] = struct{}{}
	w.mu.Unlock()
	return ch, func() {
		w.mu.Lock()
		delete(w.subs[accountID], ch)
		if len(w.subs[accountID]) == 0 {
			delete(w.subs, accountID)
		}
		w.mu.Unlock()
	}
}

func (w *wakes) wake(accountID int64) {
	w.mu.Lock()
	defer w.mu.Unlock()
	for ch := range w.subs[accountID] {
		select {
		case ch <- struct{}{}:
		default: // already due to re-read
		}
	}
}

func (w *wakes) wakeAll() {
	w.mu.Lock()
	defer w.mu.Unlock()
	for _, chans := range w.subs {
		for ch := range chans {
			select {
			case ch <- struct{}{}:
			default:
			}
		}
	}
}
