package store_test

import (
	"testing"
	"time"

	"github.com/linkline/linkline/internal/account"
	"github.com/linkline/linkline/internal/apperr"
	"github.com/linkline/linkline/internal/auth"
	"github.com/linkline/linkline/internal/store"
)

// R28: an agent holds several tokens, found by hash until revoked or until
// the agent is deactivated; tokens are read per account; the migration
// that moved tokens to their own table keeps every agent's live token
// working, down and up again.
func TestAgentTokens(t *testing.T) {
	eachStore(t, func(t *testing.T, cfg store.Config) {
		f := open(t, cfg)
		ctx := t.Context()
		db := f.db
		first, firstHash := auth.NewAgentToken()
		ann := &account.Agent{AccountID: f.acct.ID, Name: "Ann", Email: "ann@a.example", Role: account.RoleAgent}
		if err := db.NewAgent(ctx, ann, firstHash); err != nil {
			t.Fatal(err)
		}
		a, tok, err := db.AgentToken(ctx, auth.HashToken(first))
		if err != nil || a.ID != ann.ID || tok.AgentID != ann.ID || tok.Name == "" || tok.ExpiresAt != nil || !a.Active() {
			t.Fatalf("first token: %+v %+v %v", a, tok, err)
		}
		until := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
		second, secondHash := auth.NewAgentToken()
		ci := &auth.APIToken{AccountID: f.acct.ID, AgentID: ann.ID, Name: "CI", ExpiresAt: &until}
		if err := db.NewAPIToken(ctx, ci, secondHash); err != nil {
			t.Fatal(err)
		}
		if _, got, err := db.AgentToken(ctx, auth.HashToken(second)); err != nil || got.ID != ci.ID || !got.ExpiresAt.Equal(until) {
			t.Fatalf("second token: %+v %v", got, err)
		}
		used := time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC)
		if err := db.TokenUsed(ctx, ci.ID, used); err != nil {
			t.Fatal(err)
		}
		list, err := db.APITokens(ctx, f.acct.ID, ann.ID)
		if err != nil || len(list) != 2 || list[1].LastUsedAt == nil || !list[1].LastUsedAt.Equal(used) {
			t.Fatalf("list: %+v %v", list, err)
		}
		if _, err := db.APITokens(ctx, f.acct.ID+1, ann.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := db.APIToken(ctx, f.acct.ID+1, ci.ID); apperr.CodeOf(err) != apperr.NotFound {
			t.Errorf("another account's token: %v", err)
		}

		// Down and up again: the newest live token of each agent stays.
		if err := db.RevokeAPIToken(ctx, f.acct.ID, list[0].ID, used); err != nil {
			t.Fatal(err)
		}
		if err := store.RedoTokensMigration(ctx, db); err != nil {
			t.Fatal(err)
		}
		if _, _, err := db.AgentToken(ctx, auth.HashToken(second)); err != nil {
			t.Fatalf("the live token after the migration down and up: %v", err)
		}
		if _, _, err := db.AgentToken(ctx, auth.HashToken(first)); apperr.CodeOf(err) != apperr.NotFound {
			t.Errorf("the revoked token after the migration down and up: %v", err)
		}

		tokens, err := db.APITokens(ctx, f.acct.ID, ann.ID)
		if err != nil || len(tokens) != 1 {
			t.Fatalf("after the migration: %+v %v", tokens, err)
		}
		if err := db.RevokeAPIToken(ctx, f.acct.ID, tokens[0].ID, used); err != nil {
			t.Fatal(err)
		}
		if _, _, err := db.AgentToken(ctx, auth.HashToken(second)); apperr.CodeOf(err) != apperr.NotFound {
			t.Errorf("a revoked token: %v", err)
		}
		if err := db.RevokeAPIToken(ctx, f.acct.ID, tokens[0].ID, used); apperr.CodeOf(err) != apperr.NotFound {
			t.Errorf("revoking twice: %v", err)
		}

		third, thirdHash := auth.NewAgentToken()
		if err := db.NewAPIToken(ctx, &auth.APIToken{AccountID: f.acct.ID, AgentID: ann.ID, Name: "third"}, thirdHash); err != nil {
			t.Fatal(err)
		}
		if err := db.DeactivateAgent(ctx, f.acct.ID, ann.ID, used); err != nil {
			t.Fatal(err)
		}
		if _, _, err := db.AgentToken(ctx, auth.HashToken(third)); apperr.CodeOf(err) != apperr.NotFound {
			t.Errorf("a deactivated agent's token: %v", err)
		}
		if err := db.DeactivateAgent(ctx, f.acct.ID+1, ann.ID, used); apperr.CodeOf(err) != apperr.NotFound {
			t.Errorf("deactivating another account's agent: %v", err)
		}
	})
}
