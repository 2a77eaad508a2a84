module cos/bindings/go

go 1.19
