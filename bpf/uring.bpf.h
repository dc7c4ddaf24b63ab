/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * io_uring's requests, seen by its tracepoints: a tool's handlers for a
 * request submitted and completed, or completed only. A completion the kernel held back
 * because the application's completion queue was full names no request:
 * it is counted in cq_overflows, which the tool reports as unseen.
 * fsbpf/uring.hpp loads the submit program this kernel's BTF has, only
 * where the completion passes the request (6.1 on).
 */
#ifndef FSBPF_URING_BPF_H
#define FSBPF_URING_BPF_H

#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include "filter.bpf.h"
#include "path.bpf.h"

/* io_kiocb_to_cmd(): a request's prepared command begins the request. */
#define FSBPF_REQUEST_CMD(type, req) ((type *)(req))

/*
 * A request's address as a number, to name it while in flight: the
 * verifier lets a pointer into a global function's arguments only as that.
 */
static __always_inline __u64 fsbpf_request_id(struct io_kiocb *req)
{
	__u64 id = 0;

	bpf_probe_read_kernel(&id, sizeof(id), &req);
	return id;
}

/* The request a completion passes as a void *, typed for plain loads (6.2 on). */
static __always_inline struct io_kiocb *fsbpf_request_btf(void *req)
{
	return bpf_rdonly_cast(req, bpf_core_type_id_kernel(struct io_kiocb));
}

/* A request's result, as its completion posts it. */
#define FSBPF_REQUEST_RESULT(req) BPF_CORE_READ(req, cqe.res)

/* Completions held back by a full completion queue, of traced processes. */
#define FSBPF_URING_OVERFLOW_PROGRAM                            \
	__u64 cq_overflows = 0;                                 \
	SEC("tp_btf/io_uring_cqe_overflow")                     \
	int BPF_PROG(uring_cqe_overflow)                        \
	{                                                       \
		if (fsbpf_traced_process())                     \
			__sync_fetch_and_add(&cq_overflows, 1); \
		return 0;                                       \
	}

/*
 * Completions only, for a tool that reads what it needs from the request
 * then: on_complete(req, cast) reads the request by plain loads where the
 * kernel has bpf_rdonly_cast (6.2 on), else by CO-RE probe reads (program
 * variants "_cast" and "_core", fsbpf/skeleton.hpp). The tracepoint passes
 * the request as a void *, which takes no plain load: 6.1 (ctx, req,
 * user_data, res, ...), 6.18 (ctx, req, cqe). A NULL req is a completion of
 * no request, such as a message between rings.
 */
#define FSBPF_URING_COMPLETION_PROGRAMS(on_complete)                        \
	SEC("tp_btf/io_uring_complete")                                     \
	int BPF_PROG(uring_complete_cast, void *ring, void *req)            \
	{                                                                   \
		return req ? on_complete(fsbpf_request_btf(req), true) : 0; \
	}                                                                   \
	SEC("tp_btf/io_uring_complete")                                     \
	int BPF_PROG(uring_complete_core, void *ring, struct io_kiocb *req) \
	{                                                                   \
		return req ? on_complete(req, false) : 0;                   \
	}                                                                   \
	FSBPF_URING_OVERFLOW_PROGRAM

/* Submissions too: the submit tracepoints type the request, which takes plain loads. */
#define FSBPF_URING_PROGRAMS(on_submit, on_complete)         \
	/* 6.12 on */                                        \
	SEC("tp_btf/io_uring_submit_req")                    \
	int BPF_PROG(uring_submit_req, struct io_kiocb *req) \
	{                                                    \
		return on_submit(req);                       \
	}                                                    \
	/* 6.1: (req, force_nonblock) */                     \
	SEC("tp_btf/io_uring_submit_sqe")                    \
	int BPF_PROG(uring_submit_sqe, struct io_kiocb *req) \
	{                                                    \
		return on_submit(req);                       \
	}                                                    \
	FSBPF_URING_COMPLETION_PROGRAMS(on_complete)

#endif
