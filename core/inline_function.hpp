// core::InlineFunction<R(Args...), Capacity>: a move-only std::function that keeps callables of
// up to Capacity bytes inside itself. std::function's buffer holds 16 bytes in libstdc++, so a
// per-call callback capturing a little more (a client stub's decoder and the user's callback)
// cost a heap allocation per call; with this, a call allocates nothing. Larger callables, or
// ones whose move may throw, still work: they go to the heap, as std::function does.
#pragma once

#include <cstddef>
#include <functional>
#include <new>
#include <type_traits>
#include <utility>

namespace nelson::core {

template <class Signature, std::size_t Capacity = 48>
class InlineFunction;

namespace detail {
// Callables that may be empty: converting one that is makes an empty InlineFunction.
template <class T>
struct Nullable : std::bool_constant<std::is_pointer_v<T> || std::is_member_pointer_v<T>> {};
template <class S>
struct Nullable<std::function<S>> : std::true_type {};
}  // namespace detail

template <class R, class... Args, std::size_t Capacity>
class InlineFunction<R(Args...), Capacity> {
  // Pointer alignment, not max_align_t's 16: a 48-byte function is then 56 bytes, not 64, and
  // fits with a pointer beside it in a 64-byte one (a client stub's callback). Over-aligned
  // callables (a captured long double) go to the heap.
  static constexpr std::size_t kAlign = alignof(void*);
  template <class F>
  static constexpr bool kInline = sizeof(F) <= Capacity &&
                                  alignof(F) <= kAlign&& std::is_nothrow_move_constructible_v<F>;

 public:
  InlineFunction() noexcept = default;
  InlineFunction(std::nullptr_t) noexcept {}  // NOLINT(google-explicit-constructor): as std::function

  template <class F, class D = std::decay_t<F>,
            class = std::enable_if_t<!std::is_same_v<D, InlineFunction> && std::is_invocable_r_v<R, D&, Args...>>>
  InlineFunction(F&& f) {  // NOLINT(google-explicit-constructor): lambdas convert, as to std::function
    if constexpr (detail::Nullable<D>::value) {
      if (f == nullptr) return;  // an empty std::function or a null pointer makes an empty one
    }
    if constexpr (kInline<D>) {
      ::new (static_cast<void*>(storage_)) D(std::forward<F>(f));
      ops_ = &kInlineOps<D>;
    } else {
      ::new (static_cast<void*>(storage_)) D*(new D(std::forward<F>(f)));
      ops_ = &kHeapOps<D>;
    }
  }

  InlineFunction(InlineFunction&& other) noexcept { take(other); }
  InlineFunction& operator=(InlineFunction&& other) noexcept {
    if (this != &other) {
      reset();
      take(other);
    }
    return *this;
  }
  InlineFunction& operator=(std::nullptr_t) noexcept {
    reset();
    return *this;
  }
  InlineFunction(const InlineFunction&) = delete;
  InlineFunction& operator=(const InlineFunction&) = delete;
  ~InlineFunction() { reset(); }

  explicit operator bool() const noexcept { return ops_ != nullptr; }
  friend bool operator==(const InlineFunction& f, std::nullptr_t) noexcept { return f.ops_ == nullptr; }

  /// Calling an empty one is a bug, as with std::function (which throws; this cannot).
  R operator()(Args... args) const { return ops_->invoke(storage_, std::forward<Args>(args)...); }

  /// True when the callable lives inside (tests; a heap callable means an allocation per use).
  [[nodiscard]] bool is_inline() const noexcept { return ops_ != nullptr && ops_->inline_storage; }

 private:
  struct Ops {
    R (*invoke)(void* storage, Args&&... args);
    void (*move_to)(void* from, void* to) noexcept;  // moves, then destroys the source
    void (*destroy)(void* storage) noexcept;
    bool inline_storage;
  };

  template <class D>
  static constexpr Ops kInlineOps{
      [](void* s, Args&&... args) -> R { return std::invoke(*static_cast<D*>(s), std::forward<Args>(args)...); },
      [](void* from, void* to) noexcept {
        ::new (to) D(std::move(*static_cast<D*>(from)));
        static_cast<D*>(from)->~D();
      },
      [](void* s) noexcept { static_cast<D*>(s)->~D(); },
      true,
  };
  template <class D>
  static constexpr Ops kHeapOps{
      [](void* s, Args&&... args) -> R { return std::invoke(**static_cast<D**>(s), std::forward<Args>(args)...); },
      [](void* from, void* to) noexcept { *static_cast<D**>(to) = *static_cast<D**>(from); },
      [](void* s) noexcept { delete *static_cast<D**>(s); },
      false,
  };

  void take(InlineFunction& other) noexcept {
    if (other.ops_ == nullptr) return;
    other.ops_->move_to(other.storage_, storage_);
    ops_ = other.ops_;
    other.ops_ = nullptr;
  }
  void reset() noexcept {
    if (ops_ == nullptr) return;
    const Ops* ops = ops_;
    ops_ = nullptr;  // first: a callable whose destructor reaches back here sees it empty
    ops->destroy(storage_);
  }

  static_assert(Capacity >= sizeof(void*), "the heap case keeps a pointer in the storage");
  // mutable: invoking a stored lambda that is not const (a mutable lambda) from operator() const,
  // as std::function allows. Zeroed, so that no path reads indeterminate bytes (a few stores).
  alignas(kAlign) mutable std::byte storage_[Capacity]{};
  const Ops* ops_ = nullptr;
};

}  // namespace nelson::core
