#include "handle.h"

#include <algorithm>

namespace rsmaddon {

HandleBase::~HandleBase() {
  if (state_ == nullptr) return;  // construction was refused
  if (!state_->tearing_down) LeaveParent();
  state_->registry.Remove(seq_);
}

void HandleBase::Register(AddonState* state) {
  state_ = state;
  seq_ = state->registry.Add(this);
}

void HandleBase::JoinParent(HandleBase* parent, napi_value parent_object) {
  parent_ = parent;
  parent->children_.push_back(this);
  if (napi_create_reference(state_->env, parent_object, 1, &parent_ref_) != napi_ok) parent_ref_ = nullptr;
}

void HandleBase::LeaveParent() {
  if (parent_ != nullptr) {
    auto& siblings = parent_->children_;
    siblings.erase(std::remove(siblings.begin(), siblings.end(), this), siblings.end());
    parent_->OnChildRemoved(this);
    parent_ = nullptr;
  }
  if (parent_ref_ != nullptr) {
    napi_delete_reference(state_->env, parent_ref_);
    parent_ref_ = nullptr;
  }
}

std::vector<HandleBase*> HandleBase::ChildrenNewestFirst() const {
  return std::vector<HandleBase*>(children_.rbegin(), children_.rend());
}

void HandleBase::ForgetLinks() {
  parent_ = nullptr;
  children_.clear();
  if (parent_ref_ != nullptr) {
    napi_delete_reference(state_->env, parent_ref_);
    parent_ref_ = nullptr;
  }
}

}  // namespace rsmaddon
