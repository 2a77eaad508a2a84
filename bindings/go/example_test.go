package cos_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log"
	"os"
	"time"

	cos "cos/bindings/go"
)

// Examples are compiled by go vet and go test but not run (they have no Output comment): they need COS.

func Example() {
	client, err := cos.NewClientFromEnv() // COS_SECRET_ID, COS_SECRET_KEY, COS_REGION, ...
	if err != nil {
		log.Fatal(err)
	}
	defer client.Close()
	ctx := context.Background()
	if _, err := client.PutObject(ctx, "examplebucket-1250000000", "docs/hello.txt", []byte("hello, COS"), nil); err != nil {
		log.Fatal(err)
	}
	data, _, err := client.GetObject(ctx, "examplebucket-1250000000", "docs/hello.txt", nil)
	var se *cos.ServiceError
	switch {
	case errors.As(err, &se):
		log.Fatalf("COS said %d %s (request id %s)", se.StatusCode, se.Code, se.RequestID)
	case err != nil:
		log.Fatalf("client error (%v): %v", cos.StatusOf(err), err)
	}
	fmt.Println(string(data))
}

func ExampleClient_UploadFile() {
	client, err := cos.NewClient(cos.Config{Region: "ap-guangzhou", SecretID: os.Getenv("COS_SECRET_ID"), SecretKey: os.Getenv("COS_SECRET_KEY")})
	if err != nil {
		log.Fatal(err)
	}
	defer client.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	_, err = client.UploadFile(ctx, "examplebucket-1250000000", "backups/db.tar", "/var/backups/db.tar", &cos.TransferOptions{
		PartSize: 16 << 20,
		Jobs:     8,
		Progress: func(done, total int64) { fmt.Printf("\r%d / %d bytes", done, total) },
	})
	if errors.Is(err, context.DeadlineExceeded) {
		log.Print("too slow; run again to resume from the checkpoint")
	} else if err != nil {
		log.Fatal(err)
	}
}

func ExampleClient_List() {
	client, err := cos.NewClientFromEnv()
	if err != nil {
		log.Fatal(err)
	}
	defer client.Close()
	it := client.List(context.Background(), "examplebucket-1250000000", &cos.ListOptions{Prefix: "logs/", Delimiter: "/"})
	defer it.Close()
	for it.Next() {
		fmt.Println(it.Object().Key, it.Object().Size)
	}
	if err := it.Err(); err != nil {
		log.Fatal(err)
	}
	fmt.Println("directories:", it.CommonPrefixes())
}

func ExampleClient_Put() {
	client, err := cos.NewClientFromEnv()
	if err != nil {
		log.Fatal(err)
	}
	defer client.Close()
	ctx := context.Background()
	info, err := client.Put(ctx, "examplebucket-1250000000", "stream.bin", bytes.NewReader(make([]byte, 20<<20)),
		&cos.TransferOptions{Request: &cos.RequestOptions{ContentType: "application/octet-stream"}})
	if err != nil {
		log.Fatal(err)
	}
	var buf bytes.Buffer
	if _, err := client.Get(ctx, "examplebucket-1250000000", "stream.bin", &buf, nil); err != nil {
		log.Fatal(err)
	}
	fmt.Println(info.ETag, buf.Len())
}
