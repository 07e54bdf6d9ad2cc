fn main() {
    println!("snapspec");
}
