// fork() safety for every live client. One set of pthread_atfork handlers
// (registered with the first client) locks each client's queues and metric
// shards before the fork, so neither process inherits a lock taken mid-update;
// afterwards the parent simply unlocks and carries on, and the child resets:
// empty queues, zeroed counters, fresh condition variables, no inherited
// libcurl handles, and worker threads that start again on first use. Every
// record queued before the fork is therefore exported once, by the parent.
#pragma once

namespace sigil::detail {

class Client;

void register_for_fork(Client *client);
void unregister_for_fork(Client *client);

}  // namespace sigil::detail
