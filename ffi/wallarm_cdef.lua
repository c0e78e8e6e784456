-- Generated from libwallarm/include/wallarm.h by cmake/gen_cdef.cmake: do not edit.
return [[
enum {
    WALLARM_ABI = 3,              /* bumped on any incompatible change */
    WALLARM_MAX_ATTACKS = 8,      /* attacks kept in a verdict */
    WALLARM_LATENCY_BUCKETS = 14  /* see wallarm_latency_bucket_le_us() */
};

/* Result codes. Transport codes (ETIMEOUT..ETOOBIG) are what a verdict
 * carries when the node could not give one; the caller then applies its
 * fail-open or fail-closed policy. */
typedef enum wallarm_code {
    WALLARM_OK = 0,
    WALLARM_EINVAL = -1,        /* invalid argument */
    WALLARM_ENOMEM = -2,        /* out of memory */
    WALLARM_EFORKED = -3,       /* engine used from a forked child */
    WALLARM_EAGAIN = -4,        /* verdict not ready yet */
    WALLARM_ETICKET = -5,       /* unknown, finished or released ticket */
    WALLARM_EQUEUE = -6,        /* too many messages pending: not sent */
    WALLARM_EUNAVAILABLE = -7,  /* circuit breaker open: not sent */
    WALLARM_ESHUTDOWN = -8,     /* engine stopping: not sent */
    WALLARM_ETIMEOUT = -9,      /* no answer within the deadline */
    WALLARM_ECONNREFUSED = -10, /* node refused the connection */
    WALLARM_ECONNECT = -11,     /* other connect failure (unreachable...) */
    WALLARM_ERESOLVE = -12,     /* node host name did not resolve */
    WALLARM_ETLS = -13,         /* TLS handshake or verification failed */
    WALLARM_ECONNRESET = -14,   /* connection reset or closed mid-answer */
    WALLARM_EPROTO = -15,       /* answer is not valid HTTP/1.x */
    WALLARM_ESTATUS = -16,      /* node answered neither 2xx nor 403 */
    WALLARM_ETOOBIG = -17,      /* node answer body over the answer limit */
    WALLARM_EIO = -18,          /* request body file could not be read */
    WALLARM_EINTERNAL = -19     /* bug: please report */
} wallarm_code_t;

typedef enum wallarm_msg_type {
    WALLARM_MSG_REQUEST = 0,
    WALLARM_MSG_RESPONSE = 1,
    WALLARM_MSG_HEALTH = 2
} wallarm_msg_type_t;

/* How messages are shaped for the node (docs/protocol.md 12). 0 is v1, the
 * format of callers that predate the field; wallarm_target_config_init()
 * sets MIRROR. */
typedef enum wallarm_node_format {
    WALLARM_FORMAT_V1 = 0,        /* this library's own message/http framing */
    WALLARM_FORMAT_MIRROR = 1,    /* the request replayed, as Layer7 sends it */
    WALLARM_FORMAT_MULTIPART = 2  /* headers and body parts, as Azure sends them */
} wallarm_node_format_t;

typedef enum wallarm_action {
    WALLARM_PASS = 0,
    WALLARM_BLOCK = 1
} wallarm_action_t;

typedef enum wallarm_node_mode {
    WALLARM_MODE_UNKNOWN = 0,   /* the answer did not say */
    WALLARM_MODE_OFF = 1,
    WALLARM_MODE_MONITORING = 2,
    WALLARM_MODE_SAFE_BLOCKING = 3,
    WALLARM_MODE_BLOCK = 4
} wallarm_node_mode_t;

typedef enum wallarm_submit_flags {
    WALLARM_SUBMIT_OUT_OF_BAND = 1, /* mark as an out-of-band copy */
    WALLARM_SUBMIT_HEAD_ONLY = 2    /* a request's head, judged before its
                                       body is read: no body bytes are sent
                                       (body and body_file must be empty;
                                       body_total gives the declared length,
                                       or -1); the whole request follows as
                                       a second message with the same id */
} wallarm_submit_flags_t;

typedef enum wallarm_verdict_flags {
    WALLARM_VERDICT_BODY_INVALID = 1,   /* answer body present, not valid JSON */
    WALLARM_VERDICT_ATTACKS_CUT = 2     /* more attacks than WALLARM_MAX_ATTACKS */
} wallarm_verdict_flags_t;

typedef enum wallarm_breaker_state {
    WALLARM_BREAKER_CLOSED = 0,  /* sending */
    WALLARM_BREAKER_OPEN = 1,    /* not sending; waiting out the back-off */
    WALLARM_BREAKER_PROBING = 2  /* not sending; a health probe is out */
} wallarm_breaker_state_t;

typedef struct wallarm_engine wallarm_engine_t;  /* one per process */
typedef struct wallarm_target wallarm_target_t;  /* one per node config */

/* A byte string view. ptr may be NULL when len is 0. */
typedef struct wallarm_str {
    const char *ptr;
    size_t len;
} wallarm_str_t;

typedef struct wallarm_header {
    wallarm_str_t name;
    wallarm_str_t value;
} wallarm_header_t;

/* One HTTP request or response to send to the node. Every view is read
 * during wallarm_submit() only. */
typedef struct wallarm_message {
    int32_t type;               /* wallarm_msg_type_t */
    int32_t status;             /* response: HTTP status code */
    wallarm_str_t method;       /* request: "GET" ...; response: its
                                   request's (optional, see uri) */
    wallarm_str_t uri;          /* request: the request-target as received;
                                   response: its request's, optional: the
                                   mirror and multipart formats post the
                                   response to the node URL + this path */
    wallarm_str_t version;      /* "1.1", "1.0", "2"; empty = "1.1" */
    const wallarm_header_t *headers;  /* in received order, duplicates kept */
    uint32_t header_count;
    uint32_t reserved;          /* must be 0 */
    wallarm_str_t body;         /* body bytes in memory (first part) */
    const char *body_file;      /* NULL, or a file holding the rest of the
                                   body; opened during submit, read by the
                                   engine thread up to the body limit */
    int64_t body_total;         /* original body length; -1 = not known
                                   beyond what is given here */
    wallarm_str_t request_id;   /* required for requests and responses;
                                   a response carries its request's id */
    wallarm_str_t client_ip;    /* the client address as the gateway sees it */
    wallarm_str_t host;         /* the requested host */
} wallarm_message_t;

typedef struct wallarm_attack {
    char type[24];      /* "sqli", "xss", "ptrav"...; NUL-terminated */
    char location[40];  /* "uri", "query", "header:user-agent", "body" */
} wallarm_attack_t;

/* The outcome of one request message, written by wallarm_ticket_result(). */
typedef struct wallarm_verdict {
    uint32_t size;        /* set by the caller: sizeof(wallarm_verdict_t) */
    int32_t code;         /* WALLARM_OK, or why there is no verdict */
    int32_t action;       /* wallarm_action_t; meaningful when code is OK */
    int32_t http_status;  /* the node's HTTP status; 0 if none */
    int32_t node_mode;    /* wallarm_node_mode_t from the answer body */
    uint32_t flags;       /* wallarm_verdict_flags_t */
    uint32_t attack_count;      /* attacks reported by the node */
    uint32_t reserved;
    uint64_t latency_us;        /* submit to completion */
    char node_request_id[64];   /* the node's own id; "" if none */
    wallarm_attack_t attacks[8];  /* first min(attack_count, 8) entries */
    char detail[128];     /* human-readable cause when code is not OK */
} wallarm_verdict_t;

/* The record the engine writes to the notification socket when a ticket
 * completes: native byte order, 16 bytes. A reader must be ready to receive
 * a record in more than one piece. */
typedef struct wallarm_notify_record {
    uint64_t ticket;
    int32_t code;         /* same as the verdict's code */
    uint32_t reserved;
} wallarm_notify_record_t;

typedef struct wallarm_engine_config {
    uint32_t size;            /* sizeof(wallarm_engine_config_t); all of
                                 it is the smallest accepted */
    uint32_t max_pending;     /* messages queued or in flight; 4096 */
    uint32_t answer_limit;    /* bytes of node answer body kept; 16384 */
    uint32_t reserved;
    const char *socket_dir;   /* directory for the notification socket,
                                 created 0700 if missing; NULL = none */
    const char *connector;    /* X-Wallarm-Connector-Type; "kong" */
} wallarm_engine_config_t;

typedef struct wallarm_target_config {
    uint32_t size;                  /* sizeof(wallarm_target_config_t); the
                                       smallest accepted ends at ca_file */
    uint32_t max_connections;       /* in flight (= connections); 32 */
    uint32_t max_conn_age_s;        /* connection lifetime, seconds; 60 */
    uint32_t idle_timeout_s;        /* idle connection kept, seconds; 30 */
    uint32_t request_body_limit;    /* body bytes sent; 131072 */
    uint32_t response_body_limit;   /* body bytes sent; 16384 */
    uint32_t breaker_failures;      /* consecutive failures to open; 5;
                                       0 = no breaker */
    uint32_t breaker_backoff_ms;    /* first back-off; 1000, doubling */
    uint32_t breaker_backoff_max_ms;  /* back-off cap; 30000 */
    int32_t tls_verify;             /* 1 = verify peer and host; 1 */
    const char *url;                /* http:// or https:// node URL */
    const char *ca_file;            /* NULL = system CA store */
    /* Appended in ABI 2. */
    int32_t format;                 /* wallarm_node_format_t; MIRROR */
    uint32_t reserved;              /* must be 0 */
    const char *health_path;        /* NULL or "" = breaker probes are health
                                       messages (docs/protocol.md 7.3); else
                                       an origin-form path ("/wallarm-external-
                                       health"): probes GET it from the node's
                                       host, and only 200 is healthy */
} wallarm_target_config_t;

/* Counters since creation. Gauges (in_flight, queued, breaker_state) are
 * current values. latency_bucket[i] counts node round trips of at most
 * wallarm_latency_bucket_le_us(i) microseconds (the last is +Inf). */
typedef struct wallarm_stats {
    uint32_t size;             /* set by the caller: sizeof(wallarm_stats_t) */
    uint32_t reserved;
    uint64_t submitted;        /* messages accepted by submit */
    uint64_t sent;             /* messages handed to a connection */
    uint64_t passed;           /* request verdicts: pass */
    uint64_t blocked;          /* request verdicts: block */
    uint64_t async_sent;       /* fire-and-forget messages answered */
    uint64_t health_probes;    /* breaker probes sent */
    uint64_t err_timeout;
    uint64_t err_refused;
    uint64_t err_connect;      /* ECONNECT and ERESOLVE */
    uint64_t err_tls;
    uint64_t err_reset;
    uint64_t err_proto;        /* EPROTO and ETOOBIG */
    uint64_t err_status;
    uint64_t err_io;
    uint64_t unavailable;      /* refused at submit: breaker open */
    uint64_t dropped;          /* refused at submit: queue full/shutdown */
    uint64_t abandoned;        /* released before completion */
    uint64_t body_invalid;     /* answer bodies that did not parse */
    uint64_t truncated;        /* messages whose body was cut */
    uint64_t escaped;          /* messages with escaped header bytes */
    uint64_t reshaped;         /* mirror and multipart messages whose method
                                  or request-target could not be replayed as
                                  is (X-Wallarm-Method / -Request-Target) */
    uint64_t breaker_trips;    /* closed -> open transitions */
    uint64_t conn_opened;
    uint64_t conn_reused;
    uint64_t bytes_sent;       /* message bodies */
    uint64_t notify_dropped;   /* engine: completion records not written
                                  because no reader took them (the cap is
                                  65536 records); 0 for a target */
    uint64_t in_flight;        /* gauge: on a connection now */
    uint64_t queued;           /* gauge: waiting for a connection */
    uint64_t breaker_state;    /* gauge: wallarm_breaker_state_t; engine:
                                  number of targets not closed */
    uint64_t latency_count;
    uint64_t latency_sum_us;
    uint64_t latency_bucket[14];
} wallarm_stats_t;

/* Version and errors ---------------------------------------------------- */

/* WALLARM_ABI of the loaded library: a binding refuses it if it differs. */
uint32_t wallarm_abi_version(void);
/* "MAJOR.MINOR.PATCH" of the connector; static. */
const char *wallarm_version(void);
/* A static description of a code ("node refused the connection"). */
const char *wallarm_strerror(int32_t code);
/* A static name of a code ("ECONNREFUSED"), for counters and logs. */
const char *wallarm_code_name(int32_t code);
/* What the last failed call in this thread was about, naming the argument
 * or field at fault; "" if none. Owned by the library, valid until the next
 * call in this thread. */
const char *wallarm_last_error(void);

/* Engine: the thread, the notification socket, the pending slots -------- */

void wallarm_engine_config_init(wallarm_engine_config_t *cfg);
/* Starts the engine thread. *out is owned by the caller until
 * wallarm_engine_free(). */
int32_t wallarm_engine_new(const wallarm_engine_config_t *cfg,
                           wallarm_engine_t **out);
/* Stops the thread (pending messages complete with ESHUTDOWN), closes every
 * connection and target, removes the socket file and frees the engine. In a
 * forked child it only forgets the engine. */
void wallarm_engine_free(wallarm_engine_t *engine);
/* Path of the notification socket (connect to it as a stream socket), or
 * NULL if none. Owned by the engine, valid until wallarm_engine_free(). */
const char *wallarm_engine_socket_path(wallarm_engine_t *engine);
/* Sum over all targets, released ones included. */
int32_t wallarm_engine_stats(wallarm_engine_t *engine, wallarm_stats_t *out);

/* Targets: one node address and its connection and body policy --------- */

void wallarm_target_config_init(wallarm_target_config_t *cfg);
/* *out belongs to the engine; the caller holds it until
 * wallarm_target_release(). */
int32_t wallarm_target_new(wallarm_engine_t *engine,
                           const wallarm_target_config_t *cfg,
                           wallarm_target_t **out);
/* The caller's handle is gone after this call; messages already submitted
 * are still sent, and the engine frees the target after the last one. No
 * other call on this target may run at the same time or after. */
void wallarm_target_release(wallarm_target_t *target);
int32_t wallarm_target_stats(wallarm_target_t *target, wallarm_stats_t *out);

/* Messages ------------------------------------------------------------- */

/* Serializes msg and queues it; never waits on the network. The deadline is
 * now + timeout_ms, queueing included. With ticket non-NULL the verdict is
 * kept for wallarm_ticket_result() and announced on the notification
 * socket; with ticket NULL the message is fire-and-forget. A ticket holds a
 * slot until it is ended by wallarm_ticket_result() (OK) or
 * wallarm_ticket_release(): end every ticket once. Its low 32 bits name
 * that slot, unique among the tickets not yet ended (a caller may key its
 * waiters by them); its high 32 bits tell the slot's successive uses apart.
 * Returns EUNAVAILABLE at once while the target's breaker is open, EQUEUE
 * when max_pending messages are pending, ESHUTDOWN while the engine stops. */
int32_t wallarm_submit(wallarm_target_t *target, const wallarm_message_t *msg,
                       uint32_t flags, uint32_t timeout_ms, uint64_t *ticket);
/* Writes the verdict of a completed ticket into out and ends the ticket.
 * Returns EAGAIN (ticket kept) while it is pending, ETICKET if the ticket is
 * unknown, already ended or released. */
int32_t wallarm_ticket_result(wallarm_engine_t *engine, uint64_t ticket,
                              wallarm_verdict_t *out);
/* Ends a ticket whose waiter gave up: its verdict will be discarded, and a
 * message still queued is never sent. */
int32_t wallarm_ticket_release(wallarm_engine_t *engine, uint64_t ticket);
/* Submits and blocks the calling thread until the verdict: for tests and
 * tools only, never from an event loop. */
int32_t wallarm_inspect(wallarm_target_t *target, const wallarm_message_t *msg,
                        uint32_t timeout_ms, wallarm_verdict_t *out);

/* Upper bound in microseconds of latency bucket i (UINT64_MAX for the last),
 * 0 if i is out of range. */
uint64_t wallarm_latency_bucket_le_us(uint32_t i);
]]
