// What every handle class shares: its place in the environment's registry,
// the parent it was made from (held alive by a strong reference, so a
// parent is never collected before its children), the children it owns, and
// the method trampolines that check the receiver before anything else.
#pragma once

#include <cstdint>
#include <functional>
#include <initializer_list>
#include <memory>
#include <vector>

#include "../abi/rsmapi.h"
#include "addon_state.h"
#include "errors.h"
#include "napi_include.h"

namespace rsmaddon {

// A handle just made by Adopt: its JavaScript object and its native side.
template <typename T>
struct Adopted {
  Napi::Object object;
  T* handle;
};

class HandleBase {
 public:
  HandleBase() = default;
  HandleBase(const HandleBase&) = delete;
  HandleBase& operator=(const HandleBase&) = delete;
  virtual ~HandleBase();

  // Releases the native resource whatever state the library reports, first
  // the handle's own children (newest first). Used when the parent is
  // released and at environment teardown (`teardown`: no JavaScript may run,
  // so views are not detached; nothing will ever read them again). A handle
  // with an operation in flight defers instead (operations.h).
  virtual void ForceRelease(bool teardown) = 0;

  // The parent's resource went away underneath this handle (the library
  // released it): drop this handle without calling the library.
  virtual void Orphan(bool teardown) { ForceRelease(teardown); }

  // Hooks a child calls on its parent, whatever the parent's class:
  // The library handle children are made on (controller, import segment).
  virtual void* native_handle() const { return nullptr; }
  // A child whose release was deferred by an operation in flight
  // (operations.h) has now been released.
  virtual void OnDeferredChildReleased() {}
  // A barrier child was destroyed: the library unregistered whichever
  // barrier the parent had.
  virtual void BarrierUnregistered() {}
  // A barrier child was collected or refused its destroy while the library
  // may still write into its struct: keep it until the parent's resource
  // goes (default: it is freed at once).
  virtual void AdoptCollectedBarrier(std::unique_ptr<rsmapi_barrier_t> barrier) {}

  AddonState* state() const { return state_; }
  const rsm::Backend& backend() const { return *state_->backend; }

  // Called by the environment cleanup hook after every handle was released:
  // forget parent and children, which may be freed in any order from now on.
  void ForgetLinks();

 protected:
  // In the constructor of handle class T: checks the hidden construction
  // token (TypeError('Illegal constructor') for a call from JavaScript),
  // tags the object as a T and enters the registry. Returns the native
  // arguments the addon passed, for the constructor to take over.
  template <typename T, typename Init>
  Init* Construct(const Napi::CallbackInfo& info);

  // Makes `parent` (whose JavaScript object is `parent_object`) own this
  // handle, and holds the parent alive until LeaveParent().
  void JoinParent(HandleBase* parent, napi_value parent_object);
  // Gives the parent up: called when this handle's resource is released.
  void LeaveParent();

  HandleBase* parent() const { return parent_; }
  const std::vector<HandleBase*>& children() const { return children_; }
  // Children, newest first; a copy, since releasing one removes it.
  std::vector<HandleBase*> ChildrenNewestFirst() const;

  // A child is going away; subclasses drop typed pointers to it too.
  virtual void OnChildRemoved(HandleBase* child) {}

 private:
  template <typename T, typename Init, typename GiveBack>
  friend Adopted<T> Adopt(AddonState*, Napi::FunctionReference&, Init&, HandleBase*, napi_value, GiveBack&&);

  void Register(AddonState* state);

  AddonState* state_ = nullptr;
  uint64_t seq_ = 0;
  HandleBase* parent_ = nullptr;
  napi_ref parent_ref_ = nullptr;
  std::vector<HandleBase*> children_;
};

// The receiver of a method, if it is an object made by class T (checked by
// its type tag: a foreign object, or another handle kind with the same
// method names, is refused before any pointer is read).
template <typename T>
T* Receiver(napi_env env, napi_value self) {
  bool tagged = false;
  if (napi_check_object_type_tag(env, self, &T::kTypeTag, &tagged) != napi_ok || !tagged) {
    throw IllegalInvocation(Napi::Env(env));
  }
  void* wrapped = nullptr;
  if (napi_unwrap(env, self, &wrapped) != napi_ok || wrapped == nullptr) {
    throw IllegalInvocation(Napi::Env(env));
  }
  return static_cast<T*>(wrapped);
}

// `Method` is a member function of T taking the CallbackInfo, or a function
// taking (T*, CallbackInfo) (a member's component, e.g. segment_signals.h).
template <typename T, auto Method>
napi_value Trampoline(napi_env env, napi_callback_info cbinfo) {
  return Guarded(env, [&]() -> napi_value {
    Napi::CallbackInfo info(env, cbinfo);
    T* self = Receiver<T>(env, info.This());
    return std::invoke(Method, self, info);
  });
}

// Prototype members whose callbacks go through Trampoline. They are put on
// the prototype as plain functions (DefineHandleClass), not as class
// members: V8 checks the receiver of a class member itself and throws its
// own "Illegal invocation" without a code, before the type-tag check can
// throw the coded one (ERR_INVALID_THIS).
template <typename T, auto Method>
napi_property_descriptor MethodProperty(const char* name) {
  return {name,    nullptr, &Trampoline<T, Method>, nullptr, nullptr,
          nullptr, static_cast<napi_property_attributes>(napi_writable | napi_configurable),
          nullptr};
}

template <typename T, Napi::Value (T::*Getter)(const Napi::CallbackInfo&)>
napi_property_descriptor GetterProperty(const char* name) {
  return {name, nullptr, nullptr, &Trampoline<T, Getter>, nullptr, nullptr, napi_configurable, nullptr};
}

// The class T with `members` on its prototype.
template <typename T>
Napi::Function DefineHandleClass(Napi::Env env, const char* name, const std::vector<napi_property_descriptor>& members,
                                 AddonState* state) {
  Napi::Function cls = Napi::ObjectWrap<T>::DefineClass(env, name, {}, state);
  Napi::Object proto = cls.Get("prototype").As<Napi::Object>();
  if (napi_define_properties(env, proto, members.size(), members.data()) != napi_ok) throw Napi::Error::New(env);
  return cls;
}

// Checks the hidden construction token; returns the native arguments the
// internal caller passed (an external to an Init struct). Throws
// TypeError('Illegal constructor') for a call from JavaScript.
template <typename Init>
Init* ConstructArgs(const Napi::CallbackInfo& info) {
  AddonState* state = static_cast<AddonState*>(info.Data());
  if (state == nullptr || info.Length() != 2 || state->construct_token.IsEmpty() ||
      !info[0].StrictEquals(state->construct_token.Value()) || !info[1].IsExternal()) {
    throw IllegalConstructor(info.Env());
  }
  return info[1].As<Napi::External<Init>>().Data();
}

// Makes a handle of class T (through its JavaScript constructor, so the
// object is a real instance with the right prototype).
template <typename T, typename Init>
Napi::Object NewHandle(AddonState* state, Napi::FunctionReference& cls, Init* init) {
  Napi::Env env(state->env);
  return cls.New({state->construct_token.Value(), Napi::External<Init>::New(env, init)});
}

template <typename T, typename Init>
Init* HandleBase::Construct(const Napi::CallbackInfo& info) {
  Init* init = ConstructArgs<Init>(info);
  if (napi_type_tag_object(info.Env(), info.This(), &T::kTypeTag) != napi_ok) throw Napi::Error::New(info.Env());
  Register(static_cast<AddonState*>(info.Data()));
  return init;
}

// Makes a handle of class T over the resource `init` describes, as a child
// of `parent` (whose JavaScript object is `parent_object`; none for a
// controller). The constructor takes the resource over from `init`; if the
// object cannot be made, `give_back()` releases whatever `init` still owns
// before the exception propagates, so nothing leaks on the way.
template <typename T, typename Init, typename GiveBack>
Adopted<T> Adopt(AddonState* state, Napi::FunctionReference& cls, Init& init, HandleBase* parent,
                 napi_value parent_object, GiveBack&& give_back) {
  Napi::Object object;
  try {
    object = NewHandle<T>(state, cls, &init);
  } catch (...) {
    give_back();
    throw;
  }
  T* handle = T::Unwrap(object);
  if (parent != nullptr) static_cast<HandleBase*>(handle)->JoinParent(parent, parent_object);
  return Adopted<T>{object, handle};
}

}  // namespace rsmaddon
