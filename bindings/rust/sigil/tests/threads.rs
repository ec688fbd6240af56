//! One client shared by many threads; recorders moved between threads.

mod common;

use std::collections::HashSet;
use std::sync::mpsc;
use std::time::Duration;

use common::Harness;
use sigil::*;

#[test]
fn a_client_is_shared_across_threads_and_recorders_move_between_them() {
    let h = Harness::start();
    let client = h.client(Protocol::Grpc);
    const THREADS: usize = 8;
    const EACH: usize = 25;

    let workers: Vec<_> = (0..THREADS)
        .map(|t| {
            let client = client.clone();
            std::thread::spawn(move || {
                let _ctx = Context::new().with_conversation_id(format!("conv-{t}")).attach();
                for i in 0..EACH {
                    let mut rec = client.start_generation(&GenerationStart {
                        id: format!("gen-{t}-{i}"),
                        ..GenerationStart::new(ModelRef::new("openai", "gpt-5"))
                    });
                    rec.set_result(&Generation { output: vec![Message::assistant_text("ok")], ..Default::default() })
                        .unwrap();
                    rec.end().unwrap();
                }
            })
        })
        .collect();

    // A recorder started here, finished on another thread.
    let (tx, rx) = mpsc::channel();
    let rec = client.start_generation(&GenerationStart {
        id: "gen-moved".into(),
        ..GenerationStart::new(ModelRef::new("openai", "gpt-5"))
    });
    let finisher = std::thread::spawn(move || {
        let mut rec: GenerationRecorder = rx.recv().unwrap();
        rec.set_result(&Generation::default()).unwrap();
        rec.end()
    });
    tx.send(rec).unwrap();
    finisher.join().unwrap().unwrap();

    for w in workers {
        w.join().unwrap();
    }
    // The last clone may go away on any thread.
    let c = client.clone();
    std::thread::spawn(move || c.flush(Duration::from_secs(10))).join().unwrap().unwrap();
    client.shutdown(Duration::from_secs(10)).unwrap();

    let gens = h.generations("grpc");
    assert_eq!(gens.len(), THREADS * EACH + 1);
    let ids: HashSet<_> = gens.iter().map(|g| g["id"].as_str().unwrap().to_string()).collect();
    assert_eq!(ids.len(), gens.len());
    for g in &gens {
        let id = g["id"].as_str().unwrap();
        if let Some(t) = id.strip_prefix("gen-").and_then(|r| r.split('-').next()).and_then(|t| t.parse::<usize>().ok())
        {
            assert_eq!(g["conversation_id"], format!("conv-{t}"), "{id}");
        }
    }
    assert_eq!(client.stats().generations_exported, (THREADS * EACH + 1) as u64);
}

#[test]
fn dropping_the_last_clone_shuts_down_and_delivers() {
    let h = Harness::start();
    let client = Client::new(h.config(Protocol::Http).flush_interval(Duration::from_secs(60)).build()).unwrap();
    let rec = client.start_generation(&GenerationStart {
        id: "gen-last".into(),
        ..GenerationStart::new(ModelRef::new("openai", "gpt-5"))
    });
    drop(client); // the recorder keeps the engine client alive
    rec.end().unwrap();
    // The recorder was the last owner: the client is shut down (5 s deadline) and freed.
    assert_eq!(h.wait("http_exports", 1).len(), 1);
}
