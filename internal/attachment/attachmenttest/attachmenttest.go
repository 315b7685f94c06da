// Package attachmenttest serves S3-compatible storage to tests: a real S3
// protocol server over HTTP, in process, so that the s3blob driver is
// tested as it talks to production storage rather than through a mock.
package attachmenttest

import (
	"net/http/httptest"
	"net/url"
	"testing"

	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"
)

// S3 starts an S3 server holding one empty bucket for the test and returns
// the bucket's gocloud.dev URL. The server checks no credentials; the URL
// asks for none.
func S3(t testing.TB) string {
	t.Helper()
	backend := s3mem.New()
	const bucket = "linkline-test"
	if err := backend.CreateBucket(bucket); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(gofakes3.New(backend).Server())
	t.Cleanup(srv.Close)
	q := url.Values{
		"endpoint":       {srv.URL},
		"region":         {"us-east-1"},
		"use_path_style": {"true"},
		"disable_https":  {"true"},
		"anonymous":      {"true"},
	}
	return "s3://" + bucket + "?" + q.Encode()
}
