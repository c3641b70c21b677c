//! Attachments' files: detecting what a file is from its bytes, removing the location a photo
//! carries, previews of images, the three places bytes are kept, signed links to them, and the
//! janitor that deletes files no longer wanted. Imports the store, never a transport.

pub mod detect;
pub mod janitor;
pub mod keep;
pub mod links;
pub mod metadata;
pub mod store;
pub mod thumbnail;

pub use links::FileLinks;
pub use store::FileStore;
