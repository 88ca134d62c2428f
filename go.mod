module github.com/kassa-dev/kassa

go 1.26
