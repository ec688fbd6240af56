#include "core/fork_safety.h"

#include <pthread.h>

#include <mutex>
#include <new>
#include <unordered_set>

#include "core/client.h"

namespace sigil::detail {

namespace {

// Leaked on purpose: atfork handlers may run during static destruction.
std::mutex &registry_mu() {
  static std::mutex *mu = new std::mutex();
  return *mu;
}

std::unordered_set<Client *> &registry() {
  static auto *clients = new std::unordered_set<Client *>();
  return *clients;
}

void prepare() {
  registry_mu().lock();
  for (Client *c : registry()) c->fork_prepare();
}

void parent() {
  for (Client *c : registry()) c->fork_parent();
  registry_mu().unlock();
}

void child() {
  for (Client *c : registry()) c->fork_child();
  registry_mu().unlock();
}

void install_handlers() {
  static std::once_flag once;
  std::call_once(once, [] { pthread_atfork(prepare, parent, child); });
}

}  // namespace

void register_for_fork(Client *client) {
  install_handlers();
  std::lock_guard<std::mutex> lock(registry_mu());
  registry().insert(client);
}

void unregister_for_fork(Client *client) {
  std::lock_guard<std::mutex> lock(registry_mu());
  registry().erase(client);
}

}  // namespace sigil::detail
