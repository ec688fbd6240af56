// Runs a libFuzzer target over files or directories (seed corpora) without
// libFuzzer: the regression form of the fuzz targets, built by any compiler.
#include <dirent.h>
#include <sys/stat.h>

#include <cstdint>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int run_file(const std::string &path) {
  std::ifstream f(path, std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  std::string s = ss.str();
  LLVMFuzzerTestOneInput(reinterpret_cast<const uint8_t *>(s.data()), s.size());
  return 1;
}

int main(int argc, char **argv) {
  int n = 0;
  for (int i = 1; i < argc; ++i) {
    struct stat st {};
    if (stat(argv[i], &st) != 0) {
      std::fprintf(stderr, "%s: no such file or directory\n", argv[i]);
      return 1;
    }
    if (S_ISDIR(st.st_mode)) {
      DIR *d = opendir(argv[i]);
      if (d == nullptr) {
        std::fprintf(stderr, "%s: cannot open\n", argv[i]);
        return 1;
      }
      while (dirent *e = readdir(d)) {
        if (e->d_name[0] == '.') continue;
        n += run_file(std::string(argv[i]) + "/" + e->d_name);
      }
      closedir(d);
    } else {
      n += run_file(argv[i]);
    }
  }
  std::printf("ran %d inputs\n", n);
  if (n == 0) {
    std::fprintf(stderr, "no inputs: a seed corpus is missing\n");
    return 1;
  }
  return 0;
}
