#include "gen/preprocess.hpp"

#include <fcntl.h>
#include <poll.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>

extern char** environ;  // NOLINT(readability-identifier-naming): POSIX's name

namespace nelson::gen {

std::vector<std::string> cpp_arguments(const PreprocessOptions& options) {
  std::vector<std::string> args{"-C", "-DRPC_HDR", "-DNELSON_GEN"};
  for (const std::string& d : options.defines) args.push_back("-D" + d);
  for (const std::string& i : options.include_dirs) args.push_back("-I" + i);
  // cpp has no "--": an input named "-x.x" would read as an option.
  args.push_back(options.input.starts_with('-') ? "./" + options.input : options.input);
  return args;
}

namespace {

// Closes a descriptor when it goes out of scope.
class Fd {
 public:
  Fd() = default;
  explicit Fd(int fd) : fd_(fd) {}
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  ~Fd() { reset(); }
  void reset(int fd = -1) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = fd;
  }
  [[nodiscard]] int get() const { return fd_; }

 private:
  int fd_ = -1;
};

bool make_pipe(Fd& read_end, Fd& write_end) {
  std::array<int, 2> fds{};
  if (::pipe2(fds.data(), O_CLOEXEC) != 0) return false;
  read_end.reset(fds[0]);
  write_end.reset(fds[1]);
  return true;
}

}  // namespace

PreprocessResult preprocess(const PreprocessOptions& options) {
  PreprocessResult result;
  auto fail = [&result, &options](const char* what, int err) {
    result.exit_status = -1;
    result.errors = "cannot run the C preprocessor '" + options.cpp + "': " + what + ": " + std::strerror(err) + "\n";
    return result;
  };
  Fd out_read;
  Fd out_write;
  Fd err_read;
  Fd err_write;
  if (!make_pipe(out_read, out_write) || !make_pipe(err_read, err_write)) return fail("pipe", errno);

  std::vector<std::string> args = cpp_arguments(options);
  std::vector<char*> argv;
  argv.push_back(const_cast<char*>(options.cpp.c_str()));  // posix_spawn's signature is not const-correct
  for (std::string& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, out_write.get(), STDOUT_FILENO);
  posix_spawn_file_actions_adddup2(&actions, err_write.get(), STDERR_FILENO);
  posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  pid_t pid = 0;
  const int spawned = ::posix_spawnp(&pid, options.cpp.c_str(), &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (spawned != 0) return fail("spawn", spawned);
  out_write.reset();
  err_write.reset();

  // Read both pipes until both close: cpp may fill one while we wait on the other.
  std::array<pollfd, 2> fds{{{out_read.get(), POLLIN, 0}, {err_read.get(), POLLIN, 0}}};
  std::array<std::string*, 2> sinks{&result.output, &result.errors};
  std::array<char, 65536> buf{};
  int open_pipes = 2;
  while (open_pipes > 0) {
    if (::poll(fds.data(), fds.size(), -1) < 0) {
      if (errno == EINTR) continue;
      break;
    }
    for (std::size_t i = 0; i < fds.size(); ++i) {
      if (fds[i].fd < 0 || fds[i].revents == 0) continue;
      const ssize_t n = ::read(fds[i].fd, buf.data(), buf.size());
      if (n > 0) {
        sinks[i]->append(buf.data(), static_cast<std::size_t>(n));
      } else if (n == 0 || errno != EINTR) {
        fds[i].fd = -1;  // poll ignores negative descriptors
        --open_pipes;
      }
    }
  }
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) return fail("waitpid", errno);
  }
  if (WIFEXITED(status)) {
    result.exit_status = WEXITSTATUS(status);
    // posix_spawnp reports a missing program as exit status 127 of the child on glibc.
    if (result.exit_status == 127 && result.output.empty() && result.errors.empty()) {
      return fail("not found", ENOENT);
    }
  } else {
    result.exit_status = -1;
    result.errors += "the C preprocessor was killed by signal " + std::to_string(WTERMSIG(status)) + "\n";
  }
  return result;
}

}  // namespace nelson::gen
